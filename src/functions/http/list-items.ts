import { type ItemPage, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT } from '../../api/item-schemas';
import { ValidationError } from '../../core/errors';
import { listItems } from '../../core/replica-read';
import { defaultRuntime } from '../runtime';
import { requireAccess } from './api-key';
import { json, withHttpEdge } from './http-edge';
import type { HttpEvent, HttpHandler, HttpResult } from './http-types';
import { type ReadHandlerDeps, replicaReadDeps, replicaTargetOf, servedByHeaders } from './replica-reads';
import { intQuery, query } from './request-params';


/** GET /items?replica=&limit=&cursor=: live items of one replica, a page at a time, in the table's order. */
async function listRoute(rt: ReadHandlerDeps, event: HttpEvent): Promise<HttpResult> {
  requireAccess(event, rt.config.auth, 'read');
  const target = replicaTargetOf(event);
  const limit = intQuery(event, 'limit', { min: 1, max: LIST_MAX_LIMIT }) ?? LIST_DEFAULT_LIMIT;
  for (const name of ['minVersion', 'maxWaitMs']) {
    if (query(event, name) !== undefined) throw new ValidationError('BAD_QUERY', `${name} applies to single-item reads, not to lists`);
  }
  const cursor = query(event, 'cursor');
  const out = await listItems(replicaReadDeps(rt), { target, limit, ...(cursor === undefined ? {} : { cursor }) });
  return json(
    200,
    {
      replica: out.replica,
      items: out.page.items.map((i) => ({ key: i.key, version: i.version, value: i.value, updatedAt: new Date(i.updatedAt).toISOString() })),
      nextCursor: out.page.cursor ?? null,
      ...(out.lag ? { lag: out.lag } : {}),
      ...(out.fallback ? { fallback: out.fallback } : {}),
    } satisfies ItemPage,
    servedByHeaders(out),
  );
}

export const createListItemsHandler = (rt: () => ReadHandlerDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'GET /items', (event) => listRoute(rt(), event));

export const handler = createListItemsHandler(defaultRuntime);
