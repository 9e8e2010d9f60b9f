import { performance } from 'node:perf_hooks';
import { batchPutItems } from '../src/adapters/dynamodb/bulk-follower-writer';
import { buildApplyRequest } from '../src/adapters/dynamodb/follower-requests';
import { DynamoReplicaScanner } from '../src/adapters/dynamodb/replica-scanner';
import type { ChangeEvent } from '../src/core/change-event';
import { MAIN_REPLICA } from '../src/config/replica-settings';
import { verifyFollowerTable } from '../src/functions/follower-maintenance';
import { type StorePlacement, startBenchStack } from './bench-stack';
import { round } from './latency-histogram';
import { benchValue } from './workload';

export interface VerifySettleResult {
  keys: number;
  /** Follower items given a value the leader never wrote: the real differences verify must report. */
  tampered: number;
  reported: number;
  /** Both tables scanned in parallel, as verify scans them (mean of a run before and after verify). */
  scansSeconds: number;
  verifySeconds: number;
  /** verify / its two scans: what deciding the candidates cost on top of reading the tables. */
  ratio: number;
  /** GetItem requests the store served during verify (only when the bench runs the store process). */
  getItems: number | undefined;
}

/**
 * `replog verify` of a live follower holding `keys` items of which `tampered` differ from the
 * leader: the leader and follower tables are filled directly (BatchWriteItem, identical items),
 * the follower's consumer runs, and verify is timed against the two scans it cannot avoid.
 */
export async function measureVerifySettle(options: {
  store: StorePlacement;
  kafkaBrokers: string | undefined;
  keys: number;
  tampered: number;
}): Promise<VerifySettleResult> {
  const bench = await startBenchStack({ label: 'verify', store: options.store, kafkaBrokers: options.kafkaBrokers, http: false, followers: 'all' });
  const rt = bench.stack.runtime;
  const followerId = rt.config.followers[rt.config.followers.length - 1]?.id as string;
  try {
    const now = Date.now();
    const events: ChangeEvent[] = Array.from({ length: options.keys }, (_, i) => ({ v: 1, op: 'put', key: `v-${i}`, version: 1, value: benchValue(i), committedAt: now, writeId: `verify-${i}` }));
    const leaderTable = rt.config.tables.replica(MAIN_REPLICA);
    const followerTable = rt.config.tables.replica(followerId);
    const itemsFor = (table: string, list: readonly ChangeEvent[]) => list.map((e) => buildApplyRequest(table, e, now).Item as Record<string, unknown>);
    await batchPutItems(rt.replicaClient(MAIN_REPLICA), leaderTable, itemsFor(leaderTable, events), { concurrency: 16 });
    const step = Math.max(1, Math.floor(options.keys / options.tampered));
    const tamperedKeys = new Set(Array.from({ length: options.tampered }, (_, i) => `v-${i * step}`));
    const followerEvents = events.map((e) => (tamperedKeys.has(e.key) ? { ...e, value: { tampered: true } } : e));
    await batchPutItems(rt.replicaClient(followerId), followerTable, itemsFor(followerTable, followerEvents), { concurrency: 16 });

    const scans = async () => {
      const t = performance.now();
      await Promise.all([
        new DynamoReplicaScanner(rt.replicaClient(MAIN_REPLICA), leaderTable).scan(),
        new DynamoReplicaScanner(rt.replicaClient(followerId), followerTable).scan(),
      ]);
      return (performance.now() - t) / 1000;
    };
    const before = await scans();
    const statsBefore = await bench.store.stats?.();
    const t = performance.now();
    const report = await verifyFollowerTable(rt, { followerId, repair: false });
    const verifySeconds = (performance.now() - t) / 1000;
    const statsAfter = await bench.store.stats?.();
    const after = await scans();
    const scansSeconds = (before + after) / 2;
    const gets = (s: typeof statsBefore) => s?.operations.GetItem ?? 0;
    return {
      keys: options.keys,
      tampered: tamperedKeys.size,
      reported: report.differences.length,
      scansSeconds: round(scansSeconds),
      verifySeconds: round(verifySeconds),
      ratio: round(verifySeconds / scansSeconds),
      getItems: statsBefore && statsAfter ? gets(statsAfter) - gets(statsBefore) : undefined,
    };
  } finally {
    await bench.stop();
  }
}
