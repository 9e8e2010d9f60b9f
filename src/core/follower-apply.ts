import { type ApplyDelay, applyWhenDue } from './apply-delay';
import type { ChangeEvent } from './change-event';
import { fencedReason, screenByFences } from './fence';
import type { FenceMemory } from './fence-memory';
import { termsLedBy } from './leader-terms';
import type { TermStart } from './leadership';
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
  /** The fences this replica knows and the terms it led (core/fence.ts); without them no record is refused. */
  fences?: { memory: Pick<FenceMemory, 'known' | 'remember'>; terms: readonly TermStart[] };
}

export interface ApplyBatchResult {
  records: number;
  applied: number;
  skipped: number;
  deadLettered: number;
  /** Records of a deposed leader refused (dead-lettered with reason `fenced`). */
  fenced: number;
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
  const poison: DeadLetter[] = decoded.poison.map(({ record, reason }) => {
    deps.log.warn('poison record sent to the dead-letter topic', { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, reason });
    return { record, reason, followerId: deps.followerId, failedAt: deps.now() };
  });
  const partitions = [...new Set(records.map((r) => r.partition))];
  const known = deps.fences ? await deps.fences.memory.known(partitions, deps.fences.terms) : () => [];
  const screened = screenByFences(decoded.entries, known, deps.fences ? termsLedBy(deps.followerId, deps.fences.terms) : new Set());
  const fenced: DeadLetter[] = screened.fenced.map(({ record, event, fence }) => {
    const reason = fencedReason(event, fence);
    deps.log.warn('record of a deposed leader refused', { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, term: event.term ?? 1, fenceTerm: fence.term, reason });
    return { record, reason, followerId: deps.followerId, failedAt: deps.now() };
  });
  // Both kinds go to the dead-letter topic before anything after them is confirmed, so none is lost.
  if (poison.length + fenced.length > 0) await deps.deadLetters.send([...poison, ...fenced]);
  await deps.fences?.memory.remember(screened.passed);
  const events = screened.apply;

  let applied = 0;
  let skipped = 0;
  const write = async (batch: ChangeEvent[]) => {
    const newest = newestPerKey(batch);
    const result = newest.length > 0 ? await deps.store.applyNewest(newest) : { applied: 0, skipped: 0 };
    applied += result.applied;
    skipped += result.skipped + (batch.length - newest.length);
  };
  skipped += screened.led;
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
    deadLettered: poison.length + fenced.length,
    fenced: fenced.length,
    newestCommittedAt,
    oldestCommittedAt,
    appliedAt,
  };
}
