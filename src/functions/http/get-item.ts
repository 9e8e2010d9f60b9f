import type { Item } from '../../api/item-schemas';
import { NotFoundError } from '../../core/errors';
import { FIRST_TERM } from '../../core/versions';
import { readItem } from '../../core/replica-read';
import { defaultRuntime } from '../runtime';
import { requireAccess } from './api-key';
import { json, withHttpEdge } from './http-edge';
import type { HttpEvent, HttpHandler, HttpResult } from './http-types';
import { freshnessOf, losslessOf, type ReadHandlerDeps, replicaReadDeps, replicaTargetOf, servedByHeaders } from './replica-reads';
import { etag, itemKeyOf } from './request-params';

async function getItem(rt: ReadHandlerDeps, event: HttpEvent): Promise<HttpResult> {
  requireAccess(event, rt.config.auth, 'read');
  const key = itemKeyOf(event);
  const target = replicaTargetOf(event);
  const freshness = freshnessOf(event, rt.config.reads);
  const lossless = losslessOf(event, rt.config.reads);
  const outcome = await readItem(replicaReadDeps(rt, { lossless }), { key, target, ...freshness });
  const { item } = outcome;
  if (!item || item.deleted) {
    const why = outcome.fallback ? ` (${outcome.fallback.message})` : '';
    throw new NotFoundError(`item ${JSON.stringify(key)} not found on ${outcome.replica}${why}`);
  }
  return json(
    200,
    {
      key,
      version: item.version,
      term: item.term ?? FIRST_TERM,
      value: item.value,
      replica: outcome.replica,
      updatedAt: new Date(item.updatedAt).toISOString(),
      ...(outcome.lag ? { lag: outcome.lag } : {}),
      ...(outcome.fallback ? { fallback: outcome.fallback } : {}),
    } satisfies Item,
    { etag: etag(item.version), ...servedByHeaders(outcome) },
  );
}

export const createGetItemHandler = (rt: () => ReadHandlerDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'GET /items/{key}', (event) => getItem(rt(), event));

export const handler = createGetItemHandler(defaultRuntime);
