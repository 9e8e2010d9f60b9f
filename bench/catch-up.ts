import { performance } from 'node:perf_hooks';
import { DynamoFloorProbe } from '../src/adapters/dynamodb/dynamo-floor-probe';
import type { ChangeEvent } from '../src/core/change-event';
import { replayFollower } from '../src/functions/follower-maintenance';
import { type StorePlacement, startBenchStack } from './bench-stack';
import { round } from './latency-histogram';
import type { CatchUpResult } from './results-document';
import { benchValue } from './workload';

/** BatchWriteItem calls in flight, for the replay's bulk writer and the raw comparison alike. */
const WRITE_CONCURRENCY = 16;
/** Parallel Scan segments of the tuned copy the rebuild is compared with. */
const COPY_SEGMENTS = 4;
/** Publishes handed to the publisher at once while filling the log (it coalesces them into produce requests). */
const FILL_CHUNK = 5000;
/** A replay that takes longer than this is stopped at a checkpoint and the section fails. */
const REPLAY_TIMEOUT_MS = 15 * 60_000;

/**
 * Catch-up: a fresh log holding `events` change events, replayed by replog's own replay
 * (`replayFollower`, a rebuild from earliest) into an empty follower with no live consumer, next
 * to the raw BatchWriteItem rate for the same items into the same store.
 */
export async function measureCatchUp(options: {
  store: StorePlacement;
  kafkaBrokers: string | undefined;
  events: number;
  keySpace: number;
  onPhase?: (phase: string, total: number) => void;
  onProgress?: (done: number) => void;
}): Promise<CatchUpResult> {
  const bench = await startBenchStack({ label: 'catchup', store: options.store, kafkaBrokers: options.kafkaBrokers, http: false, followers: 'none' });
  const rt = bench.stack.runtime;
  // An async follower: a rebuild empties the table, which replay refuses for the sync follower.
  const followerId = rt.config.followers[rt.config.followers.length - 1]?.id as string;
  const probe = new DynamoFloorProbe(rt.documentClient, {
    leaderLike: `${bench.id}-raw-leader`,
    followerLike: `${bench.id}-raw-follower`,
    bulk: `${bench.id}-raw-bulk`,
    copy: `${bench.id}-raw-copy`,
  });
  try {
    const now = Date.now();
    const versions = new Map<string, number>();
    const events: ChangeEvent[] = [];
    for (let i = 0; i < options.events; i++) {
      const key = `c-${i % options.keySpace}`;
      const version = (versions.get(key) ?? 0) + 1;
      versions.set(key, version);
      events.push({ v: 1, op: 'put', key, version, value: benchValue(i), committedAt: now, writeId: `bench-${i}` });
    }

    options.onPhase?.('filling the log', events.length);
    for (let i = 0; i < events.length; i += FILL_CHUNK) {
      await Promise.all(events.slice(i, i + FILL_CHUNK).map((e) => rt.publisher.publish(e)));
      options.onProgress?.(Math.min(events.length, i + FILL_CHUNK));
    }

    // The raw comparison writes only the newest version of each key, as a rebuild ends up doing.
    // Half of it runs before the replay and half after, so drift in the machine's load touches both.
    const newest = [...new Map(events.map((e) => [e.key, e])).values()];
    const half = Math.ceil(newest.length / 2);
    await probe.create();
    let rawSeconds = 0;
    const rawPart = async (part: ChangeEvent[], done: number) => {
      options.onPhase?.('raw BatchWriteItem', newest.length);
      options.onProgress?.(done);
      const started = performance.now();
      await probe.bulkWrite(part, Date.now(), WRITE_CONCURRENCY);
      rawSeconds += (performance.now() - started) / 1000;
      options.onProgress?.(done + part.length);
    };
    await rawPart(newest.slice(0, half), 0);

    options.onPhase?.(`replaying into ${followerId}`, events.length);
    const watchdog = AbortSignal.timeout(REPLAY_TIMEOUT_MS);
    const replayStart = performance.now();
    const summary = await replayFollower(
      rt,
      {
        followerId,
        from: { kind: 'earliest' },
        rebuild: true,
        signal: watchdog,
        onProgress: (report) => options.onProgress?.(report.done),
      },
      { writeConcurrency: WRITE_CONCURRENCY },
    );
    const replaySeconds = (performance.now() - replayStart) / 1000;
    if (!summary.completed) {
      throw new Error(`the replay of ${followerId} did not complete${watchdog.aborted ? ` within ${REPLAY_TIMEOUT_MS / 1000} s` : ''}: ${summary.notes.join('; ')}`);
    }
    await rawPart(newest.slice(half), half);

    // The reference a rebuild must beat: a tuned copy of a table holding the same items into an
    // empty one (what an operator would do instead of replaying the log).
    options.onPhase?.(`tuned Scan+BatchWriteItem copy (${COPY_SEGMENTS} segments, ${WRITE_CONCURRENCY} in flight)`, newest.length);
    const copyStart = performance.now();
    const copied = await probe.copyBulkTable(COPY_SEGMENTS, WRITE_CONCURRENCY);
    const copySeconds = (performance.now() - copyStart) / 1000;
    options.onProgress?.(copied);

    const eventsPerSec = round(events.length / replaySeconds, 0);
    const itemsPerSec = round(newest.length / rawSeconds, 0);
    return {
      events: events.length,
      keys: newest.length,
      replay: { seconds: round(replaySeconds), eventsPerSec, written: summary.counts.written, phasesMs: summary.phasesMs },
      rawBatchWrite: { seconds: round(rawSeconds), itemsPerSec, concurrency: WRITE_CONCURRENCY },
      ratio: round(eventsPerSec / itemsPerSec),
      copy: { seconds: round(copySeconds), itemsPerSec: round(copied / copySeconds, 0), segments: COPY_SEGMENTS, inFlight: WRITE_CONCURRENCY, items: copied },
      // End to end, both: the replay's seconds against the copy's for the same keys.
      replayOverCopy: round(copySeconds / replaySeconds),
    };
  } finally {
    // A store the benchmark started dies with its data; only someone else's store is tidied up.
    if (!bench.store.disposable) await probe.drop();
    await bench.stop();
  }
}
