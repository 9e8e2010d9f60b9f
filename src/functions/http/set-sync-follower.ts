import { SetSyncFollowerBody, type SyncFollowerSet } from '../../api/status-schemas';
import { ConflictError, ValidationError } from '../../core/errors';
import type { Config } from '../../config/config';
import type { Log } from '../../core/ports';
import { inspectReplication, type ReplicationSources } from '../../core/replication-inspector';
import type { SyncRoster } from '../../core/sync-roster';
import { defaultRuntime } from '../runtime';
import { requireAccess } from './api-key';
import { adminBody } from './admin-body';
import { json, withHttpEdge } from './http-edge';
import type { HttpEvent, HttpHandler, HttpResult } from './http-types';


/** A follower is "caught up" when it is attached and has at most this many events to apply. */
const CAUGHT_UP_MAX_LAG = 10;

/** What designating a sync follower needs: who may, the roster it changes, and what it checks first. */
export interface SyncDesignationDeps {
  config: Pick<Config, 'auth'>;
  roster: Pick<SyncRoster, 'refresh' | 'changeSyncFollower'>;
  replicationSources: ReplicationSources;
  log: (namespace: string) => Log;
}

async function setSyncFollower(rt: SyncDesignationDeps, event: HttpEvent): Promise<HttpResult> {
  requireAccess(event, rt.config.auth, 'admin');
  const { followerId } = adminBody(event, SetSyncFollowerBody, '{"followerId": "<id>"}');
  const state = await rt.roster.refresh();
  const snapshot = await inspectReplication(rt.replicationSources, state);
  const view = snapshot.followers.find((f) => f.id === followerId);
  if (!view) throw new ValidationError('BAD_BODY', `${followerId} is not a configured follower`);
  if (view.delayMs > 0) throw new ConflictError(`${followerId} is a delayed follower and can never be the sync follower`);
  if (!view.healthy || view.lag.events === null || view.lag.events > CAUGHT_UP_MAX_LAG) {
    throw new ConflictError(
      `${followerId} is not caught up (healthy: ${view.healthy}, lag: ${view.lag.events} events); it can be designated once it is attached and at most ${CAUGHT_UP_MAX_LAG} events behind`,
      { details: { healthy: view.healthy, lag: view.lag.events } },
    );
  }
  const { state: after } = await rt.roster.changeSyncFollower(followerId, 'designation', 'designated by an operator', undefined);
  return json(200, { syncFollower: after.syncFollower, revision: after.revision } satisfies SyncFollowerSet);
}

export const createSetSyncFollowerHandler = (rt: () => SyncDesignationDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'POST /replication/sync-follower', (event) => setSyncFollower(rt(), event));

export const handler = createSetSyncFollowerHandler(defaultRuntime);
