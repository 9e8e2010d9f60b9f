import type { Log } from '../../core/ports';
import { withLambdaMetrics } from '../lambda-metrics';
import { defaultRuntime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';
import { handleWrite, type WriteDeps } from './write-item-route';

export const createPutItemHandler = (rt: () => WriteDeps & { log: (namespace: string) => Log }): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'PUT /items/{key}', (event) => handleWrite(rt(), event, 'put'));

export const handler = createPutItemHandler(withLambdaMetrics(defaultRuntime));
