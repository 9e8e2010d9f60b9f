import { NotFoundError, ValidationError } from '../../core/errors';
import type { StoredItem } from '../../core/ports';
import { defaultRuntime, type Runtime } from '../runtime';
import { requireAccess } from './api-key';
import { json, withHttpEdge } from './http-edge';
import type { HttpEvent, HttpHandler, HttpResult } from './http-types';
import { etag, itemKeyOf, query } from './request-params';

async function getItem(rt: Runtime, event: HttpEvent): Promise<HttpResult> {
  requireAccess(event, rt.config.auth, 'read');
  const key = itemKeyOf(event);
  const replica = query(event, 'replica') ?? 'leader';
  let item: StoredItem | undefined;
  if (replica === 'leader') {
    item = await rt.leader.get(key);
  } else {
    const roster = await rt.roster.current();
    if (!roster.followers.some((f) => f.id === replica)) {
      throw new ValidationError('BAD_QUERY', `replica must be leader, any or a follower id (${roster.followers.map((f) => f.id).join(', ')})`);
    }
    item = await rt.followerTable(replica).get(key);
  }
  if (!item || item.deleted) throw new NotFoundError(`item ${JSON.stringify(key)} not found on ${replica}`);
  return json(
    200,
    { key, version: item.version, value: item.value, replica, updatedAt: new Date(item.updatedAt).toISOString() },
    { etag: etag(item.version), 'x-replog-replica': replica },
  );
}

export const createGetItemHandler = (rt: () => Runtime): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'GET /items/{key}', (event) => getItem(rt(), event));

export const handler = createGetItemHandler(defaultRuntime);
