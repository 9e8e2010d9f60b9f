import type { ChangeEvent } from '../../src/core/change-event';
import type { JsonValue } from '../../src/core/item-value';
import type { ChangePublisher, MarkScanner, OutboxMark, StoredItem } from '../../src/core/ports';
import type { LogPosition } from '../../src/core/positions';

/**
 * A leader table with outbox marks and a log, in memory, following the adapters' rules: a commit
 * bumps the version and sets the mark; clearing is conditional on the version.
 */
export class InMemoryLeaderWithOutbox implements MarkScanner {
  readonly items = new Map<string, StoredItem>();
  /** Runs before a `get` returns, so a test can commit a concurrent write at that moment. */
  onGet: ((key: string, call: number) => void) | undefined;
  private getCalls = 0;

  commit(key: string, value: JsonValue | null, at: number, op: 'put' | 'delete' = 'put'): StoredItem {
    const version = (this.items.get(key)?.version ?? 0) + 1;
    const item: StoredItem = { key, version, value: op === 'put' ? value : null, deleted: op === 'delete', updatedAt: at, writeId: `w-${key}-${version}`, outboxAt: at };
    this.items.set(key, item);
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
    return item && { ...item };
  }

  async clearOutboxMark(key: string, version: number): Promise<void> {
    const item = this.items.get(key);
    if (item && item.version === version && item.outboxAt !== undefined) {
      const { outboxAt: _cleared, ...rest } = item;
      this.items.set(key, rest);
    }
  }
}

export class InMemoryLog implements ChangePublisher {
  readonly records: ChangeEvent[] = [];
  failFrom: number | undefined;

  async publish(event: ChangeEvent): Promise<LogPosition> {
    if (this.failFrom !== undefined && this.records.length >= this.failFrom) throw new Error('broker unavailable');
    this.records.push(event);
    return { partition: 0, offset: String(this.records.length - 1) };
  }

  /** What a compacted topic would keep: the last record per key. */
  lastPerKey(): Map<string, ChangeEvent> {
    return new Map(this.records.map((r) => [r.key, r]));
  }
}
