import type { AckMode } from './ack-mode';
import type { AckOutcome, Acknowledger } from './acknowledgement';
import type { ChangeEvent } from './change-event';
import type { JsonValue } from './item-value';
import type { OrderedPublisher } from './ordered-publisher';
import type { DeposedWrites } from './deposed-writes';
import type { LeaderTerms, WriteLeader } from './leader-terms';
import type { Clock, CommittedWrite, LeaderStore } from './ports';
import type { LogPosition } from './positions';
import { termOf } from './versions';
import { DeposedWriteError, UnconfirmedTermError, UnpublishedWriteError } from './write-failures';
import { publishPending, reusedWriteId, sameWrite, WriteAlreadyCommitted } from './write-replay';
import type { StoredItem } from './ports';
import { eventFromItem } from './item-event';
import { WriteStages } from './write-stages';

export interface WriteCommand {
  key: string;
  op: 'put' | 'delete';
  value: JsonValue | null;
  expectedVersion?: number;
  ack: AckMode;
  writeId: string;
}

export interface WriteResult {
  key: string;
  version: number;
  /** The leader term the version was written in. */
  term: number;
  /** The replica that led it. */
  leader: string;
  position: LogPosition;
  ack: AckOutcome;
  /** The write's id: the client's Idempotency-Key, or one the server made up. */
  writeId: string;
  /** True when the write had been committed by an earlier attempt with the same writeId: nothing new was written. */
  replayed: boolean;
}

/** Where a write goes: the leading replica's store and its ordered publisher, under the term it leads. */
export interface WriteLeaderTarget extends WriteLeader {
  store: Pick<LeaderStore, 'commit' | 'revert'>;
  /** Publishes in each key's version order and records each publish on the item (publish-order.ts). */
  publisher: Pick<OrderedPublisher, 'hold' | 'release' | 'publishCommitted' | 'committedPosition' | 'backlogFull' | 'room'>;
}

export interface LeaderWriteDeps {
  /** Who leads now; waits (bounded) while leadership moves (core/leader-terms.ts). */
  leader: () => Promise<WriteLeaderTarget>;
  /** Whether a published write of a term may be confirmed (core/leader-terms.ts). */
  terms: Pick<LeaderTerms, 'judge'>;
  /** Undoes what this process committed after its term ended (core/deposed-writes.ts). */
  deposed: Pick<DeposedWrites, 'undo'>;
  acknowledger: Acknowledger;
  clock: Clock;
  /**
   * Called between the commit and the publish. Only the fault suite sets it (to die exactly in
   * the dual-write window); see REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY.
   */
  afterCommit?: (event: ChangeEvent) => void;
  /** Books each stage's time (the Server-Timing header); none: not measured. */
  stages?: WriteStages;
}

/**
 * The leader's write path: learn who leads and under which term → commit there under that term
 * (with outbox mark: the publish lease) → publish in the key's version order → check the term
 * still held when the publish ended (a record after the next term's fence is refused by every
 * follower, so it is undone and answered NOT_LEADER) → acknowledge per mode. If publishing fails
 * the write stays committed with its mark, the relay will publish it, and the client is told
 * exactly that: nothing unpublished, and nothing a newer term fenced off, is ever acknowledged.
 */
export async function writeItem(deps: LeaderWriteDeps, command: WriteCommand): Promise<WriteResult> {
  const stages = deps.stages ?? new WriteStages();
  const leader = await stages.time('leader', () => deps.leader());
  const { publisher, store, term } = leader;
  // Before the commit: its mark stays until its publish record, and records must keep pace.
  if (publisher.backlogFull) await stages.time('backlog', () => publisher.room());
  publisher.hold(command.writeId);
  let committed: CommittedWrite;
  try {
    committed = await stages.time('commit', () => store.commit({
      key: command.key,
      op: command.op,
      value: command.value,
      writeId: command.writeId,
      now: deps.clock.now(),
      term,
      ...(command.expectedVersion === undefined ? {} : { expectedVersion: command.expectedVersion }),
    }));
  } catch (error) {
    publisher.release(command.writeId);
    if (error instanceof WriteAlreadyCommitted) return replayCommitted(deps, leader, command, error.item, stages);
    throw error;
  }
  const { event } = committed;

  deps.afterCommit?.(event);
  let position: LogPosition;
  try {
    position = await stages.time('publish', () => publisher.publishCommitted(committed));
  } catch (cause) {
    throw new UnpublishedWriteError(event, cause);
  }

  const verdict = await stages.time('term', () => deps.terms.judge({ term, position }, deps.clock.now()));
  if (verdict.kind === 'not-leader') {
    // Every follower refuses the record (it lies after the fence); the store must not keep it either.
    const reverted = await deps.deposed.undo(store, committed).catch(() => false);
    throw new DeposedWriteError(event, verdict.leader, verdict.term, reverted);
  }
  if (verdict.kind === 'wait') throw new UnconfirmedTermError(event, position, verdict.reason);

  const ack = await stages.time('wait', () => deps.acknowledger.acknowledge(command.ack, event, position));
  return { key: event.key, version: event.version, term, leader: leader.replica, position, ack, writeId: command.writeId, replayed: false };
}

/**
 * The same write sent again (same writeId) while its version is still the key's newest: answered
 * from that version, never committed twice. It is acknowledged like a first attempt once it is in
 * the log (the recorded publish, or a republish when its writer's lease ran out: it gave up or
 * died); until then the answer is the 503 of a committed, unpublished write, and a later retry
 * gets the acknowledgement.
 */
async function replayCommitted(
  deps: LeaderWriteDeps,
  leader: WriteLeaderTarget,
  command: WriteCommand,
  item: StoredItem,
  stages: WriteStages,
): Promise<WriteResult> {
  if (!sameWrite(command, item)) throw reusedWriteId(command, item);
  const position = await stages.time('publish', () => leader.publisher.committedPosition(item));
  if (position === undefined) {
    const pending = publishPending(item);
    throw new UnpublishedWriteError(pending.event, pending.cause);
  }
  const event = eventFromItem(item);
  const term = termOf(item);
  const verdict = await stages.time('term', () => deps.terms.judge({ term, position }, deps.clock.now()));
  // The first attempt's process had the commit's undo; this one only knows the version stays.
  if (verdict.kind === 'not-leader') throw new DeposedWriteError(event, verdict.leader, verdict.term, false);
  if (verdict.kind === 'wait') throw new UnconfirmedTermError(event, position, verdict.reason);
  const ack = await stages.time('wait', () => deps.acknowledger.acknowledge(command.ack, event, position));
  return { key: item.key, version: item.version, term, leader: leader.replica, position, ack, writeId: command.writeId, replayed: true };
}
