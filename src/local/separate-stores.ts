import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors';
import type { StoreSpec, StoreStatus } from './store-farm';

/**
 * `replog dev --separate-stores`: the control store and every replica's store (main and each
 * follower) as dynalite processes of their own (`LocalStoreFarm`), so killing one replica's store
 * is a real fault of that failure domain alone. This module says which stores there are, where
 * they keep their data, and which settings point replog at them.
 */

/** The farm's id of the control store; every other store is named by its replica id. */
export const CONTROL_STORE = 'control';

/** The settings a separate-stores run owns: replog sets them for the stack it runs and for the commands beside it. */
export const STORE_VARIABLES = ['DYNAMODB_ENDPOINT', 'REPLOG_CONTROL_ENDPOINT', 'REPLOG_REPLICA_ENDPOINTS'] as const;

/** The embedded store's data (one dynalite in the replog process). */
export const embeddedStoreDir = (dataDir: string) => join(dataDir, 'dynalite');
/** The separate stores' data, one folder per store: `<dataDir>/stores/<id>`. */
export const separateStoresDir = (dataDir: string) => join(dataDir, 'stores');

/** The stores of a run: the control store first, then each replica in order. */
export function storeSpecs(replicaIds: readonly string[], dataDir: string | undefined): StoreSpec[] {
  if (replicaIds.includes(CONTROL_STORE)) {
    throw new ConfigError(
      `invalid configuration: REPLOG_FOLLOWERS: a replica named ${CONTROL_STORE} cannot have a separate store (the control store has that name); rename the follower or run without --separate-stores`,
    );
  }
  const dir = (id: string) => (dataDir === undefined ? {} : { dataDir: join(separateStoresDir(dataDir), id) });
  return [{ id: CONTROL_STORE, ...dir(CONTROL_STORE) }, ...replicaIds.map((id) => ({ id, ...dir(id) }))];
}

/** The stores as the endpoints file advertises them: the control store and each replica's, with the process serving it. */
export interface AdvertisedStores {
  control: { endpoint: string; pid?: number };
  replicas: Record<string, { endpoint: string; pid?: number }>;
}

export function advertisedStores(stores: readonly StoreStatus[]): AdvertisedStores {
  const control = stores.find((s) => s.id === CONTROL_STORE);
  if (control === undefined) throw new Error('a store farm without a control store');
  const replicas: AdvertisedStores['replicas'] = {};
  for (const s of stores) if (s.id !== CONTROL_STORE) replicas[s.id] = { endpoint: s.endpoint, pid: s.pid };
  return { control: { endpoint: control.endpoint, pid: control.pid }, replicas };
}

/**
 * The settings that point a replog at these stores: the control store as DYNAMODB_ENDPOINT (the
 * fallback of every location) and REPLOG_CONTROL_ENDPOINT, each replica's own store in
 * REPLOG_REPLICA_ENDPOINTS. `knownReplicas` (the reading process's replicas) limits the list to
 * the ids its configuration accepts; a replica left out falls back to DYNAMODB_ENDPOINT, as it
 * does in the replog that runs the stores.
 */
export function storeEnv(stores: AdvertisedStores, knownReplicas?: readonly string[]): Record<(typeof STORE_VARIABLES)[number], string> {
  const replicas = Object.entries(stores.replicas).filter(([id]) => knownReplicas === undefined || knownReplicas.includes(id));
  return {
    DYNAMODB_ENDPOINT: stores.control.endpoint,
    REPLOG_CONTROL_ENDPOINT: stores.control.endpoint,
    REPLOG_REPLICA_ENDPOINTS: replicas.map(([id, s]) => `${id}=${s.endpoint}`).join(','),
  };
}

/** A separate-stores run starts its own stores: a store setting of the user's would be silently overridden, so it is refused. */
export function refuseStoreSettings(env: NodeJS.ProcessEnv): void {
  const set = STORE_VARIABLES.filter((v) => env[v]);
  if (set.length === 0) return;
  throw new ConfigError(
    `--separate-stores starts the control store and a store per replica itself, so it does not use ${set.map((v) => `${v}=${env[v]}`).join(', ')}: ` +
      'unset them, or run without --separate-stores to use the stores they name',
  );
}

/**
 * The store data on disk and the broker's log go together (follower tables and their consumer
 * groups' offsets only make sense side by side), so a data folder kept by one kind of store is
 * not silently opened empty by the other.
 */
export function checkStoreLayout(dataDir: string, separate: boolean): void {
  const embedded = existsSync(embeddedStoreDir(dataDir));
  const stores = existsSync(separateStoresDir(dataDir));
  if (separate && embedded && !stores) {
    throw new ConfigError(
      `the data in ${dataDir} is the embedded store's (${embeddedStoreDir(dataDir)}), and the local broker's log goes with it: ` +
        'run `replog dev --separate-stores --reset` to start afresh with a store per replica, or run without --separate-stores to keep it',
    );
  }
  if (!separate && stores && !embedded) {
    throw new ConfigError(
      `the data in ${dataDir} is kept by separate stores (${separateStoresDir(dataDir)}), and the local broker's log goes with it: ` +
        'run with --separate-stores (or REPLOG_SEPARATE_STORES=true) to keep it, or `replog dev --reset` to start afresh with the embedded store',
    );
  }
}

/** Whether the data folder holds separate stores (and not the embedded one): how a maintenance command opens it when no replog dev runs. */
export function separateStoresOnDisk(dataDir: string): boolean {
  return existsSync(separateStoresDir(dataDir)) && !existsSync(embeddedStoreDir(dataDir));
}
