import { withLambdaMetrics } from '../lambda-metrics';
import { defaultRuntime, type Runtime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';
import { handleWrite } from './write-item-route';

export const createDeleteItemHandler = (rt: () => Runtime): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'DELETE /items/{key}', (event) => handleWrite(rt(), event, 'delete'));

export const handler = createDeleteItemHandler(withLambdaMetrics(defaultRuntime));
