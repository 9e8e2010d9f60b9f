import { type ApplyDelay, applyWhenDue } from './apply-delay';
import { type ChangeEvent, decodeChangeEvent } from './change-event';
import { PoisonEventError } from './errors';
import type { FollowerStore, Log } from './ports';
import { newestPerKey } from './versions';

/** One record as the follower sees it, whatever transport delivered it (Lambda ESM or local runner). */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: string;
  /** UTF-8 text of the key and value; null when absent or when the bytes are not valid UTF-8. */
  key: string | null;
  value: string | null;
  timestamp: number;
  /** The bytes exactly as delivered, kept so a dead letter carries what was really received. */
  rawKey?: Uint8Array | null;
  rawValue?: Uint8Array | null;
}

export interface DeadLetter {
  record: LogRecord;
  reason: string;
  followerId: string;
  failedAt: number;
}

export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

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
  const events: ChangeEvent[] = [];
  const poison: DeadLetter[] = [];
  for (const record of records) {
    try {
      if (record.value === null) {
        throw new PoisonEventError(record.rawValue?.length ? 'record value is not valid UTF-8' : 'record has no value');
      }
      if (record.key === null && record.rawKey?.length) throw new PoisonEventError('record key is not valid UTF-8');
      events.push(decodeChangeEvent(record.value, record.key));
    } catch (error) {
      if (!(error instanceof PoisonEventError)) throw error;
      poison.push({ record, reason: error.message, followerId: deps.followerId, failedAt: deps.now() });
      deps.log.warn('poison record sent to the dead-letter topic', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key,
        reason: error.message,
      });
    }
  }
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
