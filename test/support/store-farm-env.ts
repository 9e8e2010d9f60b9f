import type { Log } from '../../src/core/ports';
import { advertisedStores, storeEnv, storeSpecs } from '../../src/local/separate-stores';
import { LocalStoreFarm, type StoppedStore } from '../../src/local/store-farm';
import { silentLog } from './in-memory-stores';

export interface StoreFarmEnv {
  /** DYNAMODB_ENDPOINT and REPLOG_CONTROL_ENDPOINT (the control store), REPLOG_REPLICA_ENDPOINTS (each replica's store). */
  env: { DYNAMODB_ENDPOINT: string; REPLOG_CONTROL_ENDPOINT: string; REPLOG_REPLICA_ENDPOINTS: string };
  /** The store's endpoint by replica id, `control` for the control store; it stays the same across restarts. */
  endpoints: Record<string, string>;
  /** The pid of each store as it started (`pid(id)` for the process serving it now). */
  pids: Record<string, number>;
  /** The process serving the store now: a new one after a restart, undefined while it is down. */
  pid(id: string): number | undefined;
  /** The farm itself, for faults: `farm.kill('main')` takes a replica's store down until `farm.start('main')`. */
  farm: LocalStoreFarm;
  /** Stops every store process; resolves with those it stopped. */
  stop(): Promise<StoppedStore[]>;
}

/**
 * A dynalite process for the control store and one for each replica (`main` and the followers),
 * as `replog dev --separate-stores` runs them, for tests that spawn replog processes against
 * separate stores: spread `env` into their environment (beside KAFKA_BROKERS, topic and table
 * names). In memory unless `dataDir` is given (then `<dataDir>/stores/<id>`, as replog dev keeps
 * them). A store that dies unasked comes back after `restartDelayMs` (default 0: it stays down,
 * as a fault test wants); one taken down with `farm.kill` stays down until `farm.start`.
 */
export async function startStoreFarmEnv(
  replicaIds: readonly string[],
  options: { dataDir?: string; restartDelayMs?: number; log?: Log } = {},
): Promise<StoreFarmEnv> {
  const ids = replicaIds.includes('main') ? replicaIds : ['main', ...replicaIds];
  const farm = await LocalStoreFarm.start(storeSpecs(ids, options.dataDir), {
    log: options.log ?? silentLog,
    restartDelayMs: options.restartDelayMs ?? 0,
    maxRestartDelayMs: Math.max(options.restartDelayMs ?? 0, 5000),
  });
  const status = farm.status();
  const endpoints = Object.fromEntries(status.map((s) => [s.id, s.endpoint]));
  const pids = Object.fromEntries(status.map((s) => [s.id, s.pid as number]));
  return {
    env: storeEnv(advertisedStores(status)),
    endpoints,
    pids,
    pid: (id) => farm.pid(id),
    farm,
    stop: () => farm.stop(),
  };
}
