import type { PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChangeEvent } from '../../core/change-event';
import { Expected, stampOf } from '../../core/versions';
import type { ItemRecord } from './item-attributes';
import { conditionFields, versionCondition } from './version-conditions';

/**
 * The follower's only write: put the event's full state if, and only if, it is newer than what
 * the table holds. Deletes are stored as tombstones so an older put can never resurrect a key.
 */
export function buildApplyRequest(table: string, event: ChangeEvent, appliedAt: number): PutCommandInput {
  const item: ItemRecord = {
    pk: event.key,
    ...stampOf(event),
    deleted: event.op === 'delete',
    updatedAt: event.committedAt,
    writeId: event.writeId,
    appliedAt,
    ...(event.op === 'put' ? { doc: JSON.stringify(event.value) } : {}),
  };
  return {
    TableName: table,
    Item: item,
    ...conditionFields(versionCondition(Expected.olderThan(event))),
  };
}
