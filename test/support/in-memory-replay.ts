import type { ChangeEvent } from '../../src/core/change-event';
import type { LogRecord } from '../../src/core/log-record';
import type { ReplayChunkHandler, ReplayJournalStore, ReplayReader, ReplaySink } from '../../src/core/ports';
import { leaseIsHeld, type ReplayJournalEntry } from '../../src/core/replay-journal';
import { isNewer, stampOf, type VersionStamp } from '../../src/core/versions';
import type { FakeReplicationAdmin } from './fake-replication-admin';

/**
 * Test doubles for replay: a log whose partitions the test appends to, read as a consumer-group
 * member the way KafkaReplayReader does; a follower table; a journal with the same lease rules.
 * `trace` records the order of side effects (commits, table recreation, writes).
 */
export class InMemoryReplayLog implements ReplayReader {
  readonly partitions = new Map<number, LogRecord[]>();
  readonly trace: string[];
  chunkSize = 2;

  constructor(
    private readonly admin: FakeReplicationAdmin,
    private readonly group: string,
    trace: string[] = [],
    partitions = 3,
  ) {
    this.trace = trace;
    for (let p = 0; p < partitions; p++) {
      this.partitions.set(p, []);
      admin.high.set(p, 0n);
    }
  }

  append(partition: number, event: ChangeEvent | string): void {
    const value = typeof event === 'string' ? event : JSON.stringify(event);
    this.appendRecord(partition, { key: typeof event === 'string' ? 'k' : event.key, value });
  }

  /** A record as a reader delivers it, text and bytes as given (bytes that are not UTF-8 included). */
  appendRecord(partition: number, record: Pick<LogRecord, 'key' | 'value' | 'rawKey' | 'rawValue'>): void {
    const records = this.partitions.get(partition) as LogRecord[];
    records.push({ topic: 't', partition, offset: String(records.length), timestamp: 0, ...record });
    this.admin.high.set(partition, BigInt(records.length));
  }

  async join(): Promise<void> {
    this.admin.members.set(this.group, (this.admin.members.get(this.group) ?? 0) + 1);
    this.trace.push('join');
  }

  async commit(offsets: ReadonlyMap<number, bigint>): Promise<void> {
    for (const [p, o] of offsets) this.admin.commit(this.group, p, o);
    this.trace.push(`commit ${[...offsets].map(([p, o]) => `${p}:${o}`).join(' ')}`);
  }

  async read(request: { starts: ReadonlyMap<number, bigint>; targets: ReadonlyMap<number, bigint>; signal?: AbortSignal; onChunk: ReplayChunkHandler }): Promise<void> {
    await Promise.all(
      [...request.targets].map(async ([p, target]) => {
        let position = request.starts.get(p) ?? 0n;
        const records = this.partitions.get(p) ?? [];
        while (position < target && !request.signal?.aborted) {
          const chunk = records.filter((r) => BigInt(r.offset) >= position && BigInt(r.offset) < target).slice(0, this.chunkSize);
          const next = chunk.length === 0 ? target : BigInt((chunk[chunk.length - 1] as LogRecord).offset) + 1n;
          await request.onChunk(p, chunk, next);
          position = next;
        }
      }),
    );
  }

  async leave(): Promise<void> {
    if ((this.admin.members.get(this.group) ?? 0) > 0) this.admin.members.set(this.group, (this.admin.members.get(this.group) ?? 1) - 1);
    this.trace.push('leave');
  }
}

export class InMemoryReplaySink implements ReplaySink {
  readonly items = new Map<string, { version: number; deleted: boolean; value: unknown }>();
  recreated = 0;
  bulkWrites = 0;
  conditionalWrites = 0;

  constructor(private readonly trace: string[] = []) {}

  async recreate(): Promise<void> {
    this.items.clear();
    this.recreated += 1;
    this.trace.push('recreate');
  }

  async versions(): Promise<Map<string, VersionStamp>> {
    return new Map([...this.items].map(([k, v]) => [k, stampOf(v)]));
  }

  async putAll(events: readonly ChangeEvent[]): Promise<void> {
    if (new Set(events.map((e) => e.key)).size !== events.length) throw new Error('BatchWriteItem refuses duplicate keys');
    for (const e of events) this.items.set(e.key, { version: e.version, deleted: e.op === 'delete', value: e.value });
    this.bulkWrites += events.length;
    this.trace.push(`put ${events.length}`);
  }

  async applyNewest(events: readonly ChangeEvent[]): Promise<{ applied: number; skipped: number }> {
    let applied = 0;
    for (const e of events) {
      this.conditionalWrites += 1;
      if (isNewer(e, this.items.get(e.key))) {
        this.items.set(e.key, { version: e.version, deleted: e.op === 'delete', value: e.value });
        applied += 1;
      }
    }
    return { applied, skipped: events.length - applied };
  }
}

export class InMemoryReplayJournal implements ReplayJournalStore {
  readonly entries = new Map<string, ReplayJournalEntry>();

  async load(followerId: string) {
    const e = this.entries.get(followerId);
    return e && structuredClone(e);
  }

  async list() {
    return [...this.entries.values()].map((e) => structuredClone(e));
  }

  async claim(entry: ReplayJournalEntry, now: number, leaseMs: number): Promise<boolean> {
    const held = this.entries.get(entry.followerId);
    if (held && held.owner !== entry.owner && leaseIsHeld(held, now, leaseMs)) return false;
    this.entries.set(entry.followerId, structuredClone(entry));
    return true;
  }

  async save(entry: ReplayJournalEntry): Promise<boolean> {
    if (this.entries.get(entry.followerId)?.owner !== entry.owner) return false;
    this.entries.set(entry.followerId, structuredClone(entry));
    return true;
  }

  async remove(followerId: string, owner?: string): Promise<void> {
    if (owner === undefined || this.entries.get(followerId)?.owner === owner) this.entries.delete(followerId);
  }
}
