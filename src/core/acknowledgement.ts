import type { AckMode } from './ack-mode';
import type { ChangeEvent } from './change-event';
import type { LogPosition } from './positions';

/** What a write's acknowledgement actually achieved, reported verbatim to the client. */
export interface AckOutcome {
  mode: string;
  confirmedBy: string[];
  waitedMs: number;
  /** True when the requested guarantee was not met and the write was acked as async instead. */
  degraded: boolean;
  /** Set when the sync follower changed while this write waited. */
  promotedTo?: string;
}

/**
 * Decides when a published write may be acknowledged. The async implementation answers at once;
 * the replication acknowledger waits on followers' committed offsets and applies the timeout policy.
 */
export interface Acknowledger {
  acknowledge(mode: AckMode, event: ChangeEvent, position: LogPosition): Promise<AckOutcome>;
}
