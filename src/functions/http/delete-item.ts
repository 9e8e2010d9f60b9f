import type { Log } from '../../core/ports';
import { withLambdaMetrics } from '../lambda-metrics';
import { defaultRuntime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';
import { handleWrite, type WriteDeps } from './write-item-route';

export const createDeleteItemHandler = (rt: () => WriteDeps & { log: (namespace: string) => Log }): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'DELETE /items/{key}', (event) => handleWrite(rt(), event, 'delete'));

export const handler = createDeleteItemHandler(withLambdaMetrics(defaultRuntime));
