import { type AckMode, formatAckMode } from './ack-mode';
import { type ControlState, syncCapable } from './control-state';
import { ValidationError } from './errors';

/**
 * Checks a write's acknowledgement mode against the roster before anything is committed: a 400
 * must mean nothing was written, published or counted, so every check that can refuse a write
 * runs before `writeItem`. The acknowledger never refuses a committed write; if the roster shrank
 * in between, its timeout policy answers (degraded, or 504 with the committed facts).
 */
export function admitWrite(ack: AckMode, state: ControlState): void {
  if (ack.kind !== 'quorum') return;
  const capable = syncCapable(state).length;
  if (ack.k > capable) {
    throw new ValidationError(
      'BAD_QUERY',
      `ack=${formatAckMode(ack)} needs ${ack.k} followers that can confirm writes, but only ${capable} can (delayed followers never confirm); nothing was written`,
      { details: { needed: ack.k, capable } },
    );
  }
}
