import type { ChangeEvent } from './change-event';
import type { LogRecord } from './follower-apply';
import type { PartitionProgress } from './apply-progress';
import type { JsonValue } from './item-value';
import type { CommittedOffsets, LogPosition } from './positions';
import type { ReplayJournalEntry } from './replay-journal';
import type { ReplicaItemView } from './replica-diff';

/**
 * The ports the core needs from the outside world. Adapters under src/adapters implement them
 * with the AWS SDK and kafkajs; tests implement them in memory. Nothing here knows about either.
 */

export interface StoredItem {
  key: string;
  version: number;
  /** null with deleted=true is a tombstone: kept so an old put can never resurrect the key. */
  value: JsonValue | null;
  deleted: boolean;
  updatedAt: number;
  /** The id of the write that produced this version (leader items; followers copy it). */
  writeId?: string;
  /** Leader items only: set while this version may not yet be in the replication log. */
  outboxAt?: number;
}

export interface CommitRequest {
  key: string;
  op: 'put' | 'delete';
  value: JsonValue | null;
  /** If-Match: the write succeeds only when the item is at exactly this version. */
  expectedVersion?: number;
  writeId: string;
  now: number;
}

export interface CommittedWrite {
  event: ChangeEvent;
}

export interface LeaderStore {
  /** One conditional write: bumps the version and leaves the outbox mark with the new state. */
  commit(request: CommitRequest): Promise<CommittedWrite>;
  get(key: string): Promise<StoredItem | undefined>;
  /** Clears the outbox mark only if the item still carries this version's mark. */
  clearOutboxMark(key: string, version: number): Promise<void>;
}

/** A leader item whose outbox mark was set at `outboxAt` (epoch ms). */
export interface OutboxMark {
  key: string;
  outboxAt: number;
}

/**
 * Finds outbox marks older than a cut-off through the sparse `outbox` index, shard by shard, so
 * the relay reads only marked items and never scans the table.
 */
export interface MarkScanner {
  marksOlderThan(cutoff: number, limit: number): Promise<OutboxMark[]>;
}

export interface FollowerStore {
  /** Applies each event only if newer than the held version; returns how many changed the table. */
  applyNewest(events: readonly ChangeEvent[]): Promise<{ applied: number; skipped: number }>;
  get(key: string): Promise<StoredItem | undefined>;
}

export interface ChangePublisher {
  /** Resolves once the event is durably in the log (acks=all) with its position. */
  publish(event: ChangeEvent): Promise<LogPosition>;
}

export interface OffsetReader {
  /** Committed offsets for each group on the replication topic, fetched in one round. */
  committedOffsets(groupIds: readonly string[]): Promise<Map<string, CommittedOffsets>>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Structured logger shape shared by Powertools and the test doubles. */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface GroupMembership {
  groupId: string;
  state: string;
  members: number;
}

/** Everything the leader reads about replication progress, via the log's admin interface. */
export interface ReplicationAdminPort extends OffsetReader {
  endOffsets(): Promise<{ high: Map<number, bigint>; low: Map<number, bigint> }>;
  groupMembership(groupIds: readonly string[]): Promise<Map<string, GroupMembership>>;
  /** For each partition, the first offset whose timestamp is at or after `timestamp` (the end offset if none is). */
  offsetsAtTime(timestamp: number): Promise<Map<number, bigint>>;
}

/**
 * Reads the records at given log positions. A follower's first unapplied event is the record at
 * its committed offset; its commit time is what `current` apply lag counts from (core/apply-lag.ts).
 */
export interface LogHeadReader {
  /**
   * For each position, the leader's commit time of the first record at or after it, keyed by
   * `headKey(partition, offset)`. Positions it cannot read are left out.
   */
  commitTimesAt(positions: readonly { partition: number; offset: bigint }[]): Promise<Map<string, number>>;
}

/** Per-batch apply progress of followers (core/apply-progress.ts), kept in the control table. */
export interface ApplyProgressStore {
  loadProgress(keys: readonly { followerId: string; partition: number }[]): Promise<PartitionProgress[]>;
  /** Saves `next` only if the stored item is still at `next.seq - 1` (absent when seq is 1); false when it is not. */
  saveProgress(next: PartitionProgress): Promise<boolean>;
}

/** One page of live items (tombstones excluded); the cursor is opaque outside the adapter that made it. */
export interface ItemPage {
  items: StoredItem[];
  cursor: string | undefined;
}

export interface ItemLister {
  listItems(page: { limit: number; cursor?: string }): Promise<ItemPage>;
}

// Replay, verification and follower administration (core/replay.ts, core/verify.ts).

/** What a replay hands each chunk: a partition's records in offset order and the position after them. */
export type ReplayChunkHandler = (partition: number, records: readonly LogRecord[], next: bigint) => Promise<void>;

/**
 * Reads the replication log for a replay as the follower consumer group's only member, so Kafka
 * itself keeps a live consumer of that follower out while the replay owns its offsets.
 */
export interface ReplayReader {
  /** Joins the group; fails with a ConflictError when it cannot own every partition. */
  join(): Promise<void>;
  /** Commits the group's offsets (per partition, the next offset to read). */
  commit(offsets: ReadonlyMap<number, bigint>): Promise<void>;
  /**
   * Delivers every partition's records from `starts` up to (not including) `targets`, partitions
   * in parallel, chunks of one partition one after another. Resolves when every partition reached
   * its target, or soon after `signal` aborts (the chunk in hand is finished first).
   */
  read(request: {
    starts: ReadonlyMap<number, bigint>;
    targets: ReadonlyMap<number, bigint>;
    signal?: AbortSignal;
    onChunk: ReplayChunkHandler;
  }): Promise<void>;
  leave(): Promise<void>;
}

/** The follower table as a replay writes it. */
export interface ReplaySink {
  /** Drops and recreates the table with the same definition: the fresh table of a rebuild. */
  recreate(): Promise<void>;
  /** Key → version of every item (a resumed rebuild must never overwrite a newer item). */
  versions(): Promise<Map<string, number>>;
  /** Unconditional bulk writes of distinct keys; only for a table the replay owns exclusively. */
  putAll(events: readonly ChangeEvent[]): Promise<void>;
  /** Conditional writes, each applied only if newer than what the table holds. */
  applyNewest(events: readonly ChangeEvent[]): Promise<{ applied: number; skipped: number }>;
}

export interface ReplayJournalStore {
  load(followerId: string): Promise<ReplayJournalEntry | undefined>;
  list(): Promise<ReplayJournalEntry[]>;
  /** Stores `entry` unless another owner holds a lease fresher than `leaseMs`; false when one does. */
  claim(entry: ReplayJournalEntry, now: number, leaseMs: number): Promise<boolean>;
  /** Stores `entry` only while `entry.owner` still holds the journal; false once another run took it. */
  save(entry: ReplayJournalEntry): Promise<boolean>;
  remove(followerId: string, owner?: string): Promise<void>;
}

/** Every item of one table (leader or follower) as verification compares them. */
export interface ReplicaScanner {
  scan(): Promise<Map<string, ReplicaItemView>>;
}

/** Direct writes to one follower table, for the differences republishing cannot heal. */
export interface FollowerRepairer {
  /** Writes `item` over the follower's copy only if that copy is still at `expectedVersion` (undefined: absent). */
  overwrite(item: StoredItem, expectedVersion: number | undefined): Promise<boolean>;
  /** Removes the follower's copy only if it is still at `expectedVersion`. */
  remove(key: string, expectedVersion: number): Promise<boolean>;
}
