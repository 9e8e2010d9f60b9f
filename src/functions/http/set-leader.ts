import { type LeaderMoved, SetLeaderBody } from '../../api/status-schemas';
import type { Config } from '../../config/config';
import type { Log } from '../../core/ports';
import type { SyncRoster } from '../../core/sync-roster';
import { type SwitchoverDeps, switchLeader } from '../leader-switchover';
import { defaultRuntime } from '../runtime';
import { requireAccess } from './api-key';
import { adminBody } from './admin-body';
import { json, withHttpEdge } from './http-edge';
import type { HttpEvent, HttpHandler, HttpResult } from './http-types';

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
  const { to, reason, by } = adminBody(event, SetLeaderBody, '{"to": "<replica>", "reason"?: "..."}');
  const report = await switchLeader(rt.switchoverDeps, { to, by: by ?? 'POST /replication/leader', reason: reason ?? 'planned switchover' });
  await rt.roster.refresh();
  return json(200, report satisfies LeaderMoved);
}

export const createSetLeaderHandler = (rt: () => LeaderMoveDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'POST /replication/leader', (event) => setLeader(rt(), event));

export const handler = createSetLeaderHandler(defaultRuntime);
