import { REPLICA_ID_PATTERN } from '../../api/item-schemas';
import { replicaIds } from '../../core/control-state';
import { ValidationError } from '../../core/errors';
import { parseReplicaTarget, type ReplicaReadDeps, type ReplicaTarget, type ServedBy } from '../../core/replica-read';
import type { Config } from '../../config/config';
import type { ItemLister, ItemReader, Log } from '../../core/ports';
import { type ReadConfirmations, readLossless } from '../../core/lossless-read';
import type { ReplicationViewCache } from '../../core/replication-view-cache';
import type { SyncRoster } from '../../core/sync-roster';
import type { HttpEvent } from './http-types';
import { intQuery, query } from './request-params';

/** What the read handlers need: the replicas' tables, who follows, the replication view, and their settings. */
export interface ReadHandlerDeps {
  config: Pick<Config, 'auth' | 'reads'>;
  /** The table of whichever replica leads now. */
  currentLeaderStore: () => Promise<ItemReader & ItemLister>;
  followerTable: (id: string) => ItemReader & ItemLister;
  roster: Pick<SyncRoster, 'current'>;
  views: Pick<ReplicationViewCache, 'current'>;
  /** Whether the ack mode's followers confirmed a log position (lossless reads, core/lossless-read.ts). */
  readConfirmations: ReadConfirmations;
  log: (namespace: string) => Log;
}

/** Lossless reads of the leader, per request (`lossless=true|false`), by default REPLOG_LOSSLESS_READS. */
export function losslessOf(event: HttpEvent, reads: Config['reads']): boolean {
  const raw = query(event, 'lossless');
  if (raw === undefined) return reads.lossless;
  if (raw !== 'true' && raw !== 'false') throw new ValidationError('BAD_QUERY', 'lossless must be true or false');
  return raw === 'true';
}

/** The read path's dependencies, from what the handler was given. */
export function replicaReadDeps(rt: ReadHandlerDeps, options: { lossless?: boolean } = {}): ReplicaReadDeps {
  const plain = async (key: string) => (await rt.currentLeaderStore()).get(key);
  const lossless = (key: string) =>
    readLossless(
      {
        read: plain,
        confirmed: rt.readConfirmations.confirmed,
        confirmers: rt.readConfirmations.confirmers,
        maxWaitMs: rt.config.reads.maxWaitMs,
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      key,
    );
  return {
    leader: {
      get: options.lossless ? lossless : plain,
      listItems: async (page) => (await rt.currentLeaderStore()).listItems(page),
    },
    follower: (id) => rt.followerTable(id),
    // Any replica can be named, the one leading now too (its table is current): ids move between roles.
    followerIds: async () => replicaIds(await rt.roster.current()),
    views: async () => (await rt.views.current()).followers,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
  };
}

export function replicaTargetOf(event: HttpEvent): ReplicaTarget {
  const raw = query(event, 'replica');
  if (raw !== undefined && !REPLICA_ID_PATTERN.test(raw)) {
    throw new ValidationError('BAD_QUERY', 'replica must be leader, any or a replica id');
  }
  return parseReplicaTarget(raw);
}

/** `minVersion` (≥ 1) and `maxWaitMs` (0 … REPLOG_READ_MAX_WAIT_MS, default REPLOG_READ_WAIT_MS). */
export function freshnessOf(event: HttpEvent, reads: Config['reads']): { minVersion?: number; maxWaitMs: number } {
  const minVersion = intQuery(event, 'minVersion', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const maxWaitMs = intQuery(event, 'maxWaitMs', { min: 0, max: reads.maxWaitMs });
  if (maxWaitMs !== undefined && minVersion === undefined) {
    throw new ValidationError('BAD_QUERY', 'maxWaitMs only applies to a read with minVersion');
  }
  return { ...(minVersion === undefined ? {} : { minVersion }), maxWaitMs: maxWaitMs ?? reads.defaultWaitMs };
}

/** X-Replog-Replica says who answered; followers add their lag, and a fallback says why the leader answered instead. */
export function servedByHeaders(served: ServedBy): Record<string, string> {
  return {
    'x-replog-replica': served.replica,
    ...(served.lag ? { 'x-replog-lag-events': String(served.lag.events), 'x-replog-lag-ms': String(served.lag.ms) } : {}),
    ...(served.fallback ? { 'x-replog-fallback': served.fallback.reason } : {}),
  };
}
