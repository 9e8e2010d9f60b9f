import { type AckMode, formatAckMode } from '../core/ack-mode';
import type { AckOutcome, Acknowledger } from '../core/acknowledgement';
import type { ChangeEvent } from '../core/change-event';
import { ReplogError } from '../core/errors';
import type { LogPosition } from '../core/positions';
import { inSpan } from './tracing';

/**
 * The wait for a write's confirmation as a span of its trace (`replog.ack.wait`): which mode,
 * who confirmed, how long, whether it degraded. A decorator, so the acknowledger in core stays
 * free of OpenTelemetry.
 */
export class TracedAcknowledger implements Acknowledger {
  constructor(private readonly inner: Acknowledger) {}

  acknowledge(mode: AckMode, event: ChangeEvent, position: LogPosition): Promise<AckOutcome> {
    return inSpan(
      'replog.ack.wait',
      {
        attributes: {
          'replog.ack.mode': formatAckMode(mode),
          'replog.key': event.key,
          'replog.version': event.version,
          'messaging.destination.partition.id': String(position.partition),
          'messaging.kafka.offset': Number(position.offset),
        },
      },
      async (span) => {
        const outcome = await this.inner.acknowledge(mode, event, position);
        span.setAttributes({
          'replog.ack.confirmed_by': outcome.confirmedBy,
          'replog.ack.waited_ms': outcome.waitedMs,
          'replog.ack.degraded': outcome.degraded,
          ...(outcome.promotedTo === undefined ? {} : { 'replog.ack.promoted_to': outcome.promotedTo }),
        });
        return outcome;
      },
      (error) => !(error instanceof ReplogError && error.status < 500),
    );
  }
}
