import { lambdaMetrics } from '../lambda-metrics';
import { defaultRuntime, type Runtime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';
import { handleWrite, type WriteObserver } from './write-item-route';

export const createPutItemHandler = (rt: () => Runtime, observer?: WriteObserver): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'PUT /items/{key}', (event) => handleWrite(rt(), event, 'put', observer));

export const handler = createPutItemHandler(defaultRuntime, lambdaMetrics(defaultRuntime).writes);
