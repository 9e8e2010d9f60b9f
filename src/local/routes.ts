import { createDashboardHandler } from '../functions/http/dashboard';
import { createDeleteItemHandler } from '../functions/http/delete-item';
import { createGetItemHandler } from '../functions/http/get-item';
import { handler as healthz } from '../functions/http/healthz';
import type { HttpHandler } from '../functions/http/http-types';
import { createListItemsHandler } from '../functions/http/list-items';
import { createMetricsHandler } from '../functions/http/metrics';
import { createOpenApiHandler } from '../functions/http/openapi';
import { createPutItemHandler } from '../functions/http/put-item';
import { createReadyzHandler, readinessOf } from '../functions/http/readyz';
import { createReplicationStatusHandler } from '../functions/http/replication-status';
import { createSetLeaderHandler } from '../functions/http/set-leader';
import { createSetSyncFollowerHandler } from '../functions/http/set-sync-follower';
import type { Runtime } from '../functions/runtime';

export interface Route {
  method: string;
  /** API Gateway route syntax; `{key+}`-style greedy params are not needed by replog's API. */
  path: string;
  handler: HttpHandler;
}

export interface LocalRouteOptions {
  /**
   * Sections the local runtime adds to the status document (`localStores`: the store processes of
   * `replog dev --separate-stores`), which the Lambda handler has no part in.
   */
  statusExtras?: () => Record<string, unknown>;
}

/** A 200 status document with the local runtime's own sections beside the handler's. */
function withStatusExtras(handler: HttpHandler, extras: (() => Record<string, unknown>) | undefined): HttpHandler {
  if (extras === undefined) return handler;
  return async (event) => {
    const result = await handler(event);
    if (result.statusCode !== 200 || typeof result.body !== 'string') return result;
    return { ...result, body: JSON.stringify({ ...(JSON.parse(result.body) as Record<string, unknown>), ...extras() }) };
  };
}

/** The HTTP API's routes, mirroring serverless.yml's httpApi events one for one, plus GET /metrics. */
export function buildRoutes(rt: () => Runtime, options: LocalRouteOptions = {}): Route[] {
  return [
    { method: 'PUT', path: '/items/{key}', handler: createPutItemHandler(rt) },
    { method: 'DELETE', path: '/items/{key}', handler: createDeleteItemHandler(rt) },
    { method: 'GET', path: '/items/{key}', handler: createGetItemHandler(rt) },
    { method: 'GET', path: '/items', handler: createListItemsHandler(rt) },
    { method: 'GET', path: '/replication/status', handler: withStatusExtras(createReplicationStatusHandler(rt), options.statusExtras) },
    { method: 'POST', path: '/replication/sync-follower', handler: createSetSyncFollowerHandler(rt) },
    { method: 'POST', path: '/replication/leader', handler: createSetLeaderHandler(rt) },
    { method: 'GET', path: '/healthz', handler: healthz },
    { method: 'GET', path: '/dashboard', handler: createDashboardHandler(rt) },
    // Local processes only (not in serverless.yml): Lambda reports the same figures as EMF.
    { method: 'GET', path: '/metrics', handler: createMetricsHandler(rt) },
    { method: 'GET', path: '/readyz', handler: createReadyzHandler(() => readinessOf(rt())) },
    { method: 'GET', path: '/openapi.json', handler: createOpenApiHandler(rt) },
  ];
}
