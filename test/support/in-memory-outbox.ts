import { CHANGE_EVENT_SCHEMA_VERSION, type ChangeEvent } from '../../src/core/change-event';
import { LeaseEndedError, NotFoundError, NotLeaderError, PreconditionFailedError } from '../../src/core/errors';
import type { JsonValue } from '../../src/core/item-value';
import type {
  ChangePublisher,
  CommitRequest,
  CommittedWrite,
  LeaderStore,
  MarkScanner,
  OutboxMark,
  PublishedRecord,
  PublishLease,
  PublishOptions,
  PublishState,
  RecordOutcome,
  StoredItem,
} from '../../src/core/ports';
import type { LogPosition } from '../../src/core/positions';
import { landedAfter } from '../../src/core/publish-order';
import { WriteAlreadyCommitted } from '../../src/core/write-replay';
import { isSameVersion, stampOf, termOf, type VersionStamp } from '../../src/core/versions';

type Item = StoredItem & { pub?: PublishedRecord };

/**
 * A leader table with outbox marks (publish leases) and publish records, in memory, following the
 * DynamoDB adapter's rules (adapters/dynamodb/leader-requests.ts): a commit bumps the version,
 * takes a lease and returns what the item held; records and claims are conditional the same way.
 */
export class InMemoryLeaderTable implements LeaderStore, MarkScanner {
  readonly items = new Map<string, Item>();
  /** Runs before a `get` returns, so a test can commit a concurrent write at that moment. */
  onGet: ((key: string, call: number) => void) | undefined;
  /** Delays a commit's answer after the commit took effect (a slow response on the wire). */
  answerDelay: ((request: CommitRequest) => Promise<void>) | undefined;
  private getCalls = 0;

  async commit(request: CommitRequest): Promise<CommittedWrite> {
    const old = this.items.get(request.key);
    if (old !== undefined && old.writeId === request.writeId) throw new WriteAlreadyCommitted(old);
    if (old !== undefined && termOf(old) > request.term) throw new NotLeaderError(`term ${request.term} has ended`, { term: termOf(old) });
    const live = old && !old.deleted ? old : undefined;
    if (request.expectedVersion !== undefined && live?.version !== request.expectedVersion) {
      throw new PreconditionFailedError(request.key, request.expectedVersion, live?.version);
    }
    if (request.op === 'delete' && live === undefined) throw new NotFoundError(`item ${JSON.stringify(request.key)} does not exist`);
    const version = (old?.version ?? 0) + 1;
    const item: Item = {
      key: request.key,
      ...stampOf({ term: request.term, version }),
      value: request.op === 'put' ? request.value : null,
      deleted: request.op === 'delete',
      updatedAt: request.now,
      writeId: request.writeId,
      outboxAt: request.now,
      outboxLease: request.writeId,
      ...(old?.pub ? { pub: old.pub } : {}),
    };
    this.items.set(request.key, item);
    const prior: PublishState | undefined = old && {
      ...stampOf(old),
      lease: old.outboxAt === undefined ? undefined : { id: old.outboxLease ?? '', at: old.outboxAt },
      published: old.pub,
    };
    await this.answerDelay?.(request);
    const event: ChangeEvent = {
      v: CHANGE_EVENT_SCHEMA_VERSION,
      op: request.op,
      key: request.key,
      version,
      term: request.term,
      value: request.op === 'put' ? (request.value as JsonValue) : null,
      committedAt: request.now,
      writeId: request.writeId,
    };
    return { event, lease: { id: request.writeId, at: request.now }, prior, previous: old, ...(old?.writeId === undefined ? {} : { previousWriteId: old.writeId }) };
  }

  async revert(write: CommittedWrite): Promise<boolean> {
    const item = this.items.get(write.event.key);
    if (item === undefined || !isSameVersion(item, write.event) || item.writeId !== write.event.writeId) return false;
    const previous = write.previous as Item | undefined;
    if (previous === undefined) this.items.delete(write.event.key);
    else this.items.set(write.event.key, previous);
    return true;
  }

  /** A write as a leader that then died leaves it: committed with its lease, never published. */
  commitUnpublished(key: string, value: JsonValue | null, at: number, op: 'put' | 'delete' = 'put'): Item {
    const version = (this.items.get(key)?.version ?? 0) + 1;
    const writeId = `w-${key}-${version}`;
    const item: Item = { key, version, value: op === 'put' ? value : null, deleted: op === 'delete', updatedAt: at, writeId, outboxAt: at, outboxLease: writeId };
    const pub = this.items.get(key)?.pub;
    this.items.set(key, pub ? { ...item, pub } : item);
    return item;
  }

  async marksOlderThan(cutoff: number, limit: number): Promise<OutboxMark[]> {
    return [...this.items.values()]
      .filter((i) => i.outboxAt !== undefined && i.outboxAt < cutoff)
      .map((i) => ({ key: i.key, outboxAt: i.outboxAt as number }))
      .sort((a, b) => a.outboxAt - b.outboxAt)
      .slice(0, limit);
  }

  async get(key: string): Promise<StoredItem | undefined> {
    this.getCalls += 1;
    this.onGet?.(key, this.getCalls);
    const item = this.items.get(key);
    if (item === undefined) return undefined;
    const { pub: _pub, ...stored } = item;
    return { ...stored };
  }

  async publishState(key: string): Promise<PublishState | undefined> {
    const item = this.items.get(key);
    return (
      item && {
        version: item.version,
        lease: item.outboxAt === undefined ? undefined : { id: item.outboxLease ?? '', at: item.outboxAt },
        published: item.pub,
      }
    );
  }

  async recordPublished(key: string, published: VersionStamp, lease: PublishLease, position: LogPosition): Promise<RecordOutcome> {
    const { version } = published;
    const item = this.items.get(key);
    if (item === undefined) return { kind: 'recorded' };
    const pub: PublishedRecord = { version, lease: lease.id, leaseAt: lease.at, position };
    if (item.version === version && item.outboxLease === lease.id) {
      const { outboxAt: _at, outboxLease: _lease, ...rest } = item;
      this.items.set(key, { ...rest, pub });
      return { kind: 'cleared' };
    }
    const held = item.pub;
    if (held === undefined || held.version < version || (held.version === version && held.leaseAt < lease.at)) {
      this.items.set(key, { ...item, pub });
      return { kind: 'recorded' };
    }
    if (held.version <= version) return { kind: 'recorded' };
    return { kind: 'behind', newer: held, landedAfter: landedAfter(position, held.position) };
  }

  async claimLease(key: string, at: VersionStamp, seen: PublishLease | undefined, next: PublishLease): Promise<boolean> {
    const { version } = at;
    const item = this.items.get(key);
    if (item === undefined || item.version !== version) return false;
    const current = item.outboxAt === undefined ? undefined : { id: item.outboxLease ?? '', at: item.outboxAt };
    if (seen === undefined ? current !== undefined : current?.id !== seen.id || (seen.id === '' && current.at !== seen.at)) return false;
    this.items.set(key, { ...item, outboxAt: next.at, outboxLease: next.id });
    return true;
  }
}

/** A replication log in memory: a record list per publish, in the order publishes arrive. */
export class InMemoryLog implements ChangePublisher {
  readonly records: ChangeEvent[] = [];
  failFrom: number | undefined;
  /** Delays a publish's answer (the record is already in the log). */
  answerDelay: ((event: ChangeEvent) => Promise<void>) | undefined;
  /** When set, refuses an event whose lease has ended by this clock, as the Kafka publisher does. */
  leaseClock: (() => number) | undefined;

  async publish(event: ChangeEvent, options?: PublishOptions): Promise<LogPosition> {
    if (this.failFrom !== undefined && this.records.length >= this.failFrom) throw new Error('broker unavailable');
    if (this.leaseClock !== undefined && options?.notAfter !== undefined && this.leaseClock() >= options.notAfter) {
      throw new LeaseEndedError(`the publish lease of ${event.key}@${event.version} ended before the log took it`);
    }
    this.records.push(event);
    const position = { partition: 0, offset: String(this.records.length - 1) };
    await this.answerDelay?.(event);
    return position;
  }

  /** What a compacted topic would keep: the last record per key. */
  lastPerKey(): Map<string, ChangeEvent> {
    return new Map(this.records.map((r) => [r.key, r]));
  }

  /** Per key, the versions in log order. */
  versionsOf(key: string): number[] {
    return this.records.filter((r) => r.key === key).map((r) => r.version);
  }
}
