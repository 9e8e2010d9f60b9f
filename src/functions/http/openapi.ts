import { openApiDocument } from '../../api/openapi-document';
import type { Config } from '../../config/config';
import type { Log } from '../../core/ports';
import { defaultRuntime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';

/** GET /openapi.json: the contract of this deployment (its read-wait cap), built once per process. It carries no data: open. */
export const createOpenApiHandler = (rt: () => { config: Pick<Config, 'reads'>; log: (namespace: string) => Log }): HttpHandler => {
  let body: string | undefined;
  return withHttpEdge(
    () => rt().log('http'),
    'GET /openapi.json',
    async () => {
      body ??= JSON.stringify(openApiDocument({ readMaxWaitMs: rt().config.reads.maxWaitMs }));
      return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }, body };
    },
  );
};

export const handler = createOpenApiHandler(defaultRuntime);
