import { lambdaMetrics } from '../lambda-metrics';
import { defaultRuntime, type Runtime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';
import { handleWrite, type WriteObserver } from './write-item-route';

export const createDeleteItemHandler = (rt: () => Runtime, observer?: WriteObserver): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'DELETE /items/{key}', (event) => handleWrite(rt(), event, 'delete', observer));

export const handler = createDeleteItemHandler(defaultRuntime, lambdaMetrics(defaultRuntime).writes);
