import type { AckMode } from './ack-mode';
import type { AckOutcome, Acknowledger } from './acknowledgement';
import type { ChangeEvent } from './change-event';
import { ReplogError, UnavailableError } from './errors';
import type { JsonValue } from './item-value';
import type { OutboxMarkClearer } from './outbox';
import type { ChangePublisher, Clock, LeaderStore } from './ports';
import type { LogPosition } from './positions';

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
  position: LogPosition;
  ack: AckOutcome;
}

export interface LeaderWriteDeps {
  leader: LeaderStore;
  publisher: ChangePublisher;
  acknowledger: Acknowledger;
  clearer: OutboxMarkClearer;
  clock: Clock;
  /**
   * Called between the commit and the publish. Only the fault suite sets it (to die exactly in
   * the dual-write window); see REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY.
   */
  afterCommit?: (event: ChangeEvent) => void;
}

/**
 * The leader's write path: commit (with outbox mark) → publish → acknowledge per mode.
 * If publishing fails the write stays committed with its mark, the relay will publish it, and the
 * client is told exactly that: nothing unpublished is ever acknowledged.
 */
export async function writeItem(deps: LeaderWriteDeps, command: WriteCommand): Promise<WriteResult> {
  const { event } = await deps.leader.commit({
    key: command.key,
    op: command.op,
    value: command.value,
    writeId: command.writeId,
    now: deps.clock.now(),
    ...(command.expectedVersion === undefined ? {} : { expectedVersion: command.expectedVersion }),
  });

  deps.afterCommit?.(event);
  let position: LogPosition;
  try {
    position = await deps.publisher.publish(event);
  } catch (cause) {
    const retriable = cause instanceof ReplogError ? cause.retriable : true;
    throw new UnavailableError(
      `version ${event.version} of ${JSON.stringify(event.key)} is committed on the leader but not yet in the replication log; the outbox relay will publish it`,
      {
        cause,
        retriable,
        details: { key: event.key, version: event.version, committedOnLeader: true, published: false },
      },
    );
  }
  deps.clearer.enqueue(event.key, event.version);

  const ack = await deps.acknowledger.acknowledge(command.ack, event, position);
  return { key: event.key, version: event.version, position, ack };
}
