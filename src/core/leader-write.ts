import type { AckMode } from './ack-mode';
import type { AckOutcome, Acknowledger } from './acknowledgement';
import type { ChangeEvent } from './change-event';
import type { JsonValue } from './item-value';
import type { OrderedPublisher } from './ordered-publisher';
import type { Clock, LeaderStore } from './ports';
import type { LogPosition } from './positions';
import { UnpublishedWriteError } from './write-failures';

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
  leader: Pick<LeaderStore, 'commit'>;
  /** Publishes in each key's version order and records each publish on the item (publish-order.ts). */
  publisher: Pick<OrderedPublisher, 'hold' | 'release' | 'publishCommitted'>;
  acknowledger: Acknowledger;
  clock: Clock;
  /**
   * Called between the commit and the publish. Only the fault suite sets it (to die exactly in
   * the dual-write window); see REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY.
   */
  afterCommit?: (event: ChangeEvent) => void;
}

/**
 * The leader's write path: commit (with outbox mark: the publish lease) → publish in the key's
 * version order → acknowledge per mode. If publishing fails the write stays committed with its
 * mark, the relay will publish it, and the client is told exactly that: nothing unpublished is
 * ever acknowledged.
 */
export async function writeItem(deps: LeaderWriteDeps, command: WriteCommand): Promise<WriteResult> {
  deps.publisher.hold(command.writeId);
  let committed: Awaited<ReturnType<LeaderStore['commit']>>;
  try {
    committed = await deps.leader.commit({
      key: command.key,
      op: command.op,
      value: command.value,
      writeId: command.writeId,
      now: deps.clock.now(),
      ...(command.expectedVersion === undefined ? {} : { expectedVersion: command.expectedVersion }),
    });
  } catch (error) {
    deps.publisher.release(command.writeId);
    throw error;
  }
  const { event } = committed;

  deps.afterCommit?.(event);
  let position: LogPosition;
  try {
    position = await deps.publisher.publishCommitted(committed);
  } catch (cause) {
    throw new UnpublishedWriteError(event, cause);
  }

  const ack = await deps.acknowledger.acknowledge(command.ack, event, position);
  return { key: event.key, version: event.version, position, ack };
}
