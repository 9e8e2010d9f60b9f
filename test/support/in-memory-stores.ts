import type { PartitionProgress } from '../../src/core/apply-progress';
import type { ChangeEvent } from '../../src/core/change-event';
import type { ConsumerReport } from '../../src/core/consumer-state';
import type { ControlState } from '../../src/core/control-state';
import type { ApplyProgressStore, ConsumerStateStore, ControlStore, FollowerStore, StoredItem } from '../../src/core/ports';
import { isNewer } from '../../src/core/versions';

/** Test doubles for the core's ports: plain maps that follow the same rules as the adapters. */
export class InMemoryFollowerStore implements FollowerStore {
  readonly items = new Map<string, StoredItem>();
  writes = 0;
  failNext = 0;

  async applyNewest(events: readonly ChangeEvent[]): Promise<{ applied: number; skipped: number }> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('store unavailable');
    }
    let applied = 0;
    let skipped = 0;
    for (const e of events) {
      this.writes += 1;
      if (isNewer(e, this.items.get(e.key))) {
        this.items.set(e.key, { key: e.key, version: e.version, value: e.value, deleted: e.op === 'delete', updatedAt: e.committedAt, writeId: e.writeId });
        applied += 1;
      } else skipped += 1;
    }
    return { applied, skipped };
  }

  async get(key: string): Promise<StoredItem | undefined> {
    return this.items.get(key);
  }
}

export class InMemoryControlStore implements ControlStore {
  state: ControlState | undefined;
  casAttempts = 0;

  async load(): Promise<ControlState | undefined> {
    return this.state && structuredClone(this.state);
  }

  async initialize(state: ControlState): Promise<ControlState> {
    this.state ??= structuredClone(state);
    return structuredClone(this.state);
  }

  async replace(expectedRevision: number, next: ControlState): Promise<boolean> {
    this.casAttempts += 1;
    if (this.state?.revision !== expectedRevision) return false;
    this.state = structuredClone(next);
    return true;
  }
}

export class InMemoryProgressStore implements ApplyProgressStore {
  readonly items = new Map<string, PartitionProgress>();
  saves = 0;
  failSaves = false;

  async loadProgress(keys: readonly { followerId: string; partition: number }[]): Promise<PartitionProgress[]> {
    return keys.flatMap((k) => {
      const held = this.items.get(`${k.followerId}|${k.partition}`);
      return held ? [structuredClone(held)] : [];
    });
  }

  async saveProgress(next: PartitionProgress): Promise<boolean> {
    this.saves += 1;
    if (this.failSaves) throw new Error('control table unavailable');
    const key = `${next.followerId}|${next.partition}`;
    if ((this.items.get(key)?.seq ?? 0) !== next.seq - 1) return false;
    this.items.set(key, structuredClone(next));
    return true;
  }
}

export const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

export class InMemoryConsumerStates implements ConsumerStateStore {
  readonly reports = new Map<string, ConsumerReport>();

  async save(report: ConsumerReport): Promise<void> {
    this.reports.set(report.followerId, structuredClone(report));
  }

  async load(followerIds: readonly string[]): Promise<Map<string, ConsumerReport>> {
    return new Map(followerIds.flatMap((id) => (this.reports.has(id) ? [[id, structuredClone(this.reports.get(id) as ConsumerReport)] as const] : [])));
  }
}
