import type { JsonValue } from '../../core/item-value';
import type { PublishedRecord, PublishState, StoredItem } from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { isSameVersion, stampOf } from '../../core/versions';

/**
 * Items store their value as JSON text (`doc`) rather than a DynamoDB map: every JSON value,
 * including numbers beyond DynamoDB's 38 digits and top-level scalars, round-trips exactly.
 */
export interface ItemRecord {
  pk: string;
  version: number;
  /** The leader term the version was written in; absent on items from before terms (the first term). */
  term?: number;
  doc?: string;
  deleted: boolean;
  updatedAt: number;
  writeId?: string;
  outboxAt?: number;
  outboxShard?: string;
  /** Leader items: the holder of the open publish lease (core/publish-order.ts). */
  outboxLease?: string;
  /** Leader items: the newest publish recorded as in the log. */
  pub?: PublishedAttribute;
  appliedAt?: number;
}

export interface PublishedAttribute {
  version: number;
  term?: number;
  lease: string;
  leaseAt: number;
  partition: number;
  offset: string;
}

export function toPublishedRecord(pub: PublishedAttribute | undefined): PublishedRecord | undefined {
  if (pub === undefined) return undefined;
  return { ...stampOf(pub), lease: pub.lease, leaseAt: pub.leaseAt, position: { partition: pub.partition, offset: pub.offset } };
}

export function toPublishState(record: Pick<ItemRecord, 'version' | 'outboxAt' | 'outboxLease' | 'pub'>): PublishState {
  return {
    ...stampOf(record),
    lease: record.outboxAt === undefined ? undefined : { id: record.outboxLease ?? '', at: record.outboxAt },
    published: toPublishedRecord(record.pub),
  };
}

export function toStoredItem(record: ItemRecord): StoredItem {
  return {
    key: record.pk,
    ...stampOf(record),
    value: record.deleted || record.doc === undefined ? null : (JSON.parse(record.doc) as JsonValue),
    deleted: record.deleted,
    updatedAt: record.updatedAt,
    ...(record.writeId === undefined ? {} : { writeId: record.writeId }),
    ...(record.outboxAt === undefined ? {} : { outboxAt: record.outboxAt }),
    ...(record.outboxLease === undefined ? {} : { outboxLease: record.outboxLease }),
    ...publishedHere(record),
  };
}

/** The publish record, when it is this version's own (a record of an older version says nothing of this one). */
function publishedHere(record: ItemRecord): { published?: LogPosition } {
  const pub = toPublishedRecord(record.pub);
  return pub !== undefined && isSameVersion(pub, stampOf(record)) ? { published: pub.position } : {};
}

/** Sparse-index partitions for outbox marks, so the relay's query never hits one hot partition. */
export const OUTBOX_SHARDS = 8;
export const OUTBOX_INDEX = 'outbox';

export function outboxShardOf(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return `s${Math.abs(h) % OUTBOX_SHARDS}`;
}
