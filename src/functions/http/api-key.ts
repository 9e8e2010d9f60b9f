import { createHash, timingSafeEqual } from 'node:crypto';
import { AccessDeniedError } from '../../core/errors';
import { header } from './http-edge';

export type Access = 'read' | 'write' | 'admin';

/**
 * Local/API-key authentication. Keys are compared as SHA-256 digests with timingSafeEqual, so the
 * comparison takes the same time whatever the length or prefix of the guess; keys are never logged.
 * In the cloud, the API Gateway authorizer (authorizer.ts) runs this same check before the function does.
 */
export function requireAccess(event: { headers?: Record<string, string | undefined> }, auth: { apiKey: string | undefined; readsRequireKey: boolean }, access: Access): void {
  if (auth.apiKey === undefined) return;
  if (access === 'read' && !auth.readsRequireKey) return;
  const bearer = header(event, 'authorization');
  const presented =
    header(event, 'x-api-key') ?? (bearer !== undefined && /^Bearer\s+/i.test(bearer) ? bearer.replace(/^Bearer\s+/i, '') : undefined);
  if (presented === undefined || presented === '') {
    throw new AccessDeniedError('UNAUTHORIZED', 'this route needs an API key (x-api-key header or Authorization: Bearer)');
  }
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(auth.apiKey).digest();
  if (!timingSafeEqual(a, b)) throw new AccessDeniedError('FORBIDDEN', 'the API key is not valid');
}
