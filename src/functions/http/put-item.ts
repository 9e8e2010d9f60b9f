import { withLambdaMetrics } from '../lambda-metrics';
import { defaultRuntime, type Runtime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';
import { handleWrite } from './write-item-route';

export const createPutItemHandler = (rt: () => Runtime): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'PUT /items/{key}', (event) => handleWrite(rt(), event, 'put'));

export const handler = createPutItemHandler(withLambdaMetrics(defaultRuntime));
