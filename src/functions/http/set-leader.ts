import { z } from 'zod';
import { ValidationError } from '../../core/errors';
import type { Config } from '../../config/config';
import type { Log } from '../../core/ports';
import type { SyncRoster } from '../../core/sync-roster';
import { type SwitchoverDeps, switchLeader } from '../leader-switchover';
import { defaultRuntime } from '../runtime';
import { requireAccess } from './api-key';
import { bodyText, json, withHttpEdge } from './http-edge';
import type { HttpEvent, HttpHandler, HttpResult } from './http-types';

const bodySchema = z
  .object({
    to: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a replica id'),
    reason: z.string().min(1).max(500).optional(),
    by: z.string().min(1).max(200).optional(),
  })
  .strict();

/** What moving the leadership needs: who may, the switchover's steps and the roster to refresh after. */
export interface LeaderMoveDeps {
  config: Pick<Config, 'auth'>;
  switchoverDeps: SwitchoverDeps;
  roster: Pick<SyncRoster, 'refresh'>;
  log: (namespace: string) => Log;
}

/** POST /replication/leader {"to": "<replica>", "reason"?: "..."}: a planned switchover (admin). */
async function setLeader(rt: LeaderMoveDeps, event: HttpEvent): Promise<HttpResult> {
  requireAccess(event, rt.config.auth, 'admin');
  let raw: unknown;
  try {
    raw = JSON.parse(bodyText(event) ?? '');
  } catch (cause) {
    throw new ValidationError('BAD_BODY', 'the body must be JSON: {"to": "<replica>", "reason": "..."}', { cause });
  }
  const parsed = bodySchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('BAD_BODY', `the body must be {"to": "<replica>", "reason"?: "..."}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const { to, reason, by } = parsed.data;
  const report = await switchLeader(rt.switchoverDeps, { to, by: by ?? 'POST /replication/leader', reason: reason ?? 'planned switchover' });
  await rt.roster.refresh();
  return json(200, report);
}

export const createSetLeaderHandler = (rt: () => LeaderMoveDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'POST /replication/leader', (event) => setLeader(rt(), event));

export const handler = createSetLeaderHandler(defaultRuntime);
