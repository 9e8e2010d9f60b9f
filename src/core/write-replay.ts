import { ConflictError, UnavailableError } from './errors';
import { eventFromItem } from './item-event';
import type { StoredItem } from './ports';
import type { WriteCommand } from './leader-write';

/**
 * A leader store's answer to a commit whose writeId the key's newest version already carries: the
 * write was committed before (its answer lost, or the client sent it again after a 503), and is
 * not committed twice. The store refuses inside the same conditional write that would have made
 * the new version, so two attempts racing each other still make one version.
 */
export class WriteAlreadyCommitted extends Error {
  constructor(readonly item: StoredItem) {
    super(`the newest version of ${JSON.stringify(item.key)} (${item.version}) was written by ${item.writeId}`);
    this.name = 'WriteAlreadyCommitted';
  }
}

/** The same write again: same operation and, for a put, the same value (as JSON text: what the store holds). */
export function sameWrite(command: Pick<WriteCommand, 'op' | 'value'>, item: StoredItem): boolean {
  if (command.op === 'delete') return item.deleted;
  return !item.deleted && JSON.stringify(item.value) === JSON.stringify(command.value);
}

/** A writeId sent again with another body: refused, nothing written (IETF Idempotency-Key's 422, our CONFLICT). */
export function reusedWriteId(command: Pick<WriteCommand, 'key' | 'writeId'>, item: StoredItem): ConflictError {
  return new ConflictError(
    `writeId ${JSON.stringify(command.writeId)} already wrote version ${item.version} of ${JSON.stringify(command.key)} with another ${item.deleted ? 'operation' : 'value'}; nothing was written`,
    { details: { key: command.key, writeId: command.writeId, version: item.version } },
  );
}

/** The replayed version's publish is not in the log yet (its writer is still at it, or the relay will be). */
export function publishPending(item: StoredItem) {
  return { event: eventFromItem(item), cause: new UnavailableError('its publish is in progress or left to the outbox relay; send it again later') };
}
