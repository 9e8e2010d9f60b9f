import { type ApplyDelay, applyWhenDue } from './apply-delay';
import type { ChangeEvent } from './change-event';
import { decodeLogRecords, type LogRecord } from './log-record';
import type { DeadLetter, DeadLetterSink, FollowerStore, Log } from './ports';
import { newestPerKey } from './versions';

export interface ApplyBatchDeps {
  followerId: string;
  store: FollowerStore;
  deadLetters: DeadLetterSink;
  log: Log;
  now: () => number;
  /** Set for a delayed follower: events are applied only once they are old enough (apply-delay.ts). */
  delay?: ApplyDelay;
}

export interface ApplyBatchResult {
  records: number;
  applied: number;
  skipped: number;
  deadLettered: number;
  /** The newest leader commit time in the batch, for apply-lag measurement. */
  newestCommittedAt: number | undefined;
  /** The oldest leader commit time in the batch: the event that waited longest. */
  oldestCommittedAt: number | undefined;
  /** When the follower's table held the batch. */
  appliedAt: number;
}

/**
 * Applies one delivered batch. Poison records go to the dead-letter sink (before anything is
 * confirmed, so they are never lost); valid events are reduced to the newest per key and written
 * conditionally. Any store failure propagates so the batch is redelivered, never skipped.
 */
export async function applyBatch(deps: ApplyBatchDeps, records: readonly LogRecord[]): Promise<ApplyBatchResult> {
  const decoded = decodeLogRecords(records);
  const events = decoded.events;
  const poison: DeadLetter[] = decoded.poison.map(({ record, reason }) => {
    deps.log.warn('poison record sent to the dead-letter topic', { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, reason });
    return { record, reason, followerId: deps.followerId, failedAt: deps.now() };
  });
  if (poison.length > 0) await deps.deadLetters.send(poison);

  let applied = 0;
  let skipped = 0;
  const write = async (batch: ChangeEvent[]) => {
    const newest = newestPerKey(batch);
    const result = newest.length > 0 ? await deps.store.applyNewest(newest) : { applied: 0, skipped: 0 };
    applied += result.applied;
    skipped += result.skipped + (batch.length - newest.length);
  };
  if (deps.delay && deps.delay.delayMs > 0) await applyWhenDue(events, deps.delay, deps.now, write);
  else await write(events);
  const appliedAt = deps.now();
  let newestCommittedAt: number | undefined;
  let oldestCommittedAt: number | undefined;
  for (const e of events) {
    if (newestCommittedAt === undefined || e.committedAt > newestCommittedAt) newestCommittedAt = e.committedAt;
    if (oldestCommittedAt === undefined || e.committedAt < oldestCommittedAt) oldestCommittedAt = e.committedAt;
  }
  return {
    records: records.length,
    applied,
    skipped,
    deadLettered: poison.length,
    newestCommittedAt,
    oldestCommittedAt,
    appliedAt,
  };
}
