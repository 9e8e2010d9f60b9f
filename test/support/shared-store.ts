import type { EmbeddedDynamo } from '../../src/local/dynalite-server';
import { LocalStoreFarm } from '../../src/local/store-farm';
import { silentLog } from './in-memory-stores';

/** Where the run's store answers, set by the integration project's globalSetup. */
const RUN_STORE_VARIABLE = 'REPLOG_TEST_STORE_ENDPOINT';
const RUN_STORE = Symbol.for('replog.test.runStore');

/**
 * One dynalite process for a whole jest run (the integration project's globalSetup), which every
 * test stack without a store of its own uses: each file's tables have names of their own, so
 * files never see each other's items, and no file pays a store process's start (about 1.5 s of
 * CPU under tsx here) or carries dynalite's expression parser on its own event loop.
 */
export async function startRunStore(): Promise<void> {
  const farm = await LocalStoreFarm.start([{ id: 'tests' }], { log: silentLog, restartDelayMs: 1000 });
  (globalThis as Record<symbol, unknown>)[RUN_STORE] = farm;
  process.env[RUN_STORE_VARIABLE] = farm.status()[0]?.endpoint;
}

export async function stopRunStore(): Promise<void> {
  const farm = (globalThis as Record<symbol, unknown>)[RUN_STORE] as LocalStoreFarm | undefined;
  await farm?.stop();
}

/**
 * The store a test stack uses when it has none of its own: the run's store when there is one
 * (closing it is then a no-op: other files use it), else a dynalite process for this caller alone.
 * Not in the test process: dynalite parses each request's expressions with a PEG parser, and in a
 * CPU profile of an integration test that was 47% of the test process, on the event loop the
 * leader, the followers and the load share.
 */
export async function startSharedStore(): Promise<EmbeddedDynamo> {
  const shared = process.env[RUN_STORE_VARIABLE];
  if (shared) return { endpoint: shared, close: async () => undefined };
  const farm = await LocalStoreFarm.start([{ id: 'shared' }], { log: silentLog, restartDelayMs: 0 });
  const [store] = farm.status();
  return { endpoint: store?.endpoint as string, close: async () => void (await farm.stop()) };
}
