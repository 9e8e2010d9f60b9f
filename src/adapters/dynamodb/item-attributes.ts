import type { JsonValue } from '../../core/item-value';
import type { StoredItem } from '../../core/ports';

/**
 * Items store their value as JSON text (`doc`) rather than a DynamoDB map: every JSON value,
 * including numbers beyond DynamoDB's 38 digits and top-level scalars, round-trips exactly.
 */
export interface ItemRecord {
  pk: string;
  version: number;
  doc?: string;
  deleted: boolean;
  updatedAt: number;
  writeId?: string;
  outboxAt?: number;
  outboxShard?: string;
  appliedAt?: number;
}

export function toStoredItem(record: ItemRecord): StoredItem {
  return {
    key: record.pk,
    version: record.version,
    value: record.deleted || record.doc === undefined ? null : (JSON.parse(record.doc) as JsonValue),
    deleted: record.deleted,
    updatedAt: record.updatedAt,
    ...(record.writeId === undefined ? {} : { writeId: record.writeId }),
    ...(record.outboxAt === undefined ? {} : { outboxAt: record.outboxAt }),
  };
}

/** Sparse-index partitions for outbox marks, so the relay's query never hits one hot partition. */
export const OUTBOX_SHARDS = 8;
export const OUTBOX_INDEX = 'outbox';

export function outboxShardOf(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return `s${Math.abs(h) % OUTBOX_SHARDS}`;
}
