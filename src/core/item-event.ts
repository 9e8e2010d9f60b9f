import { CHANGE_EVENT_SCHEMA_VERSION, type ChangeEvent } from './change-event';
import type { StoredItem } from './ports';
import { stampOf } from './versions';

/** A leader item's current state as a change event: events carry full state, so this is always a correct event to (re)publish. */
export function eventFromItem(item: StoredItem): ChangeEvent {
  return {
    v: CHANGE_EVENT_SCHEMA_VERSION,
    op: item.deleted ? 'delete' : 'put',
    key: item.key,
    ...stampOf(item),
    value: item.deleted ? null : item.value,
    committedAt: item.updatedAt,
    // Leader items always carry their write id; the fallback only keeps the event schema-valid.
    writeId: item.writeId ?? `relay-v${item.version}`,
  };
}
