import type { ChangeEvent } from './change-event';
import type { ConsumerReport } from './consumer-state';
import type { ControlState } from './control-state';
import type { FenceRecord, PassedFence } from './fence';
import type { LogRecord } from './log-record';
import type { WatchReport } from './leader-watch';
import type { PartitionProgress } from './apply-progress';
import type { JsonValue } from './item-value';
import type { CommittedOffsets, LogPosition } from './positions';
import type { ReplayJournalEntry } from './replay-journal';
import type { ReplicaItemView } from './replica-diff';
import type { VersionStamp } from './versions';

/**
 * The ports the core needs from the outside world. Adapters under src/adapters implement them
 * with the AWS SDK and kafkajs; tests implement them in memory. Nothing here knows about either.
 */

export interface StoredItem {
  key: string;
  version: number;
  /** The leader term of this version (absent: the first term); see core/versions.ts. */
  term?: number;
  /** null with deleted=true is a tombstone: kept so an old put can never resurrect the key. */
  value: JsonValue | null;
  deleted: boolean;
  updatedAt: number;
  /** The id of the write that produced this version (leader items; followers copy it). */
  writeId?: string;
  /** Leader items only: set while this version may not yet be in the replication log (its publish lease began). */
  outboxAt?: number;
  /** Leader items only: who holds that lease (a writeId, or a relay/verify claim). */
  outboxLease?: string;
  /** Leader items only: where this very version is in the log, once its publish is recorded. */
  published?: LogPosition;
}

export interface CommitRequest {
  key: string;
  op: 'put' | 'delete';
  value: JsonValue | null;
  /** If-Match: the write succeeds only when the item is at exactly this version. */
  expectedVersion?: number;
  writeId: string;
  now: number;
  /** The writer's leader term: the commit is refused (NOT_LEADER) if the item holds a newer term's version. */
  term: number;
}

/**
 * A publish of one version of a key, as recorded on the leader item once it is in the log.
 * The record is what another process's successor write waits for (core/publish-order.ts).
 */
export interface PublishedRecord {
  version: number;
  term?: number;
  /** The lease under which it was published. */
  lease: string;
  /** When that lease began (epoch ms). */
  leaseAt: number;
  position: LogPosition;
}

/**
 * An open publish lease on a leader item: the outbox mark. Whoever holds it may hand the item's
 * version to the log until `leaseAt` + the publish window, and not after (core/publish-order.ts).
 */
export interface PublishLease {
  /** The writeId of the commit that set it, or the id of a relay/verify claim. */
  id: string;
  at: number;
}

/** What a commit replaced: the key's previous version and the state of its publication. */
export interface PriorVersion {
  version: number;
  term?: number;
  /** The previous version's publish lease, if it was still open (its outbox mark). */
  lease: PublishLease | undefined;
  /** The newest publish recorded on the item before the commit. */
  published: PublishedRecord | undefined;
}

export interface CommittedWrite {
  event: ChangeEvent;
  /** The lease the commit took: the new version's outbox mark. */
  lease: PublishLease;
  /** undefined for a key's first version. */
  prior: PriorVersion | undefined;
  /** The item as it was before the commit, opaque to the core: what `revert` puts back. */
  previous?: unknown;
  /** The write that produced that previous state, if the store recorded one. */
  previousWriteId?: string;
}

/** The publication state of a leader item, read consistently. */
export interface PublishState {
  version: number;
  term?: number;
  lease: PublishLease | undefined;
  published: PublishedRecord | undefined;
}

/**
 * How recording a publish ended: `cleared` (the version's lease was still open: mark removed),
 * `recorded` (a newer version or lease holds the mark; the record is there for its waiter), or
 * `behind` (a newer version's publish was already recorded: the record is dropped, and if this
 * publish landed after that one, `landedAfter` says so and the key's newest state must be
 * published again).
 */
export type RecordOutcome =
  | { kind: 'cleared' }
  | { kind: 'recorded' }
  | { kind: 'behind'; newer: PublishedRecord; landedAfter: boolean };

export interface LeaderStore {
  /**
   * One conditional write: bumps the version, takes a publish lease (the outbox mark, id =
   * writeId, at = request.now) and returns what the item held before.
   */
  commit(request: CommitRequest): Promise<CommittedWrite>;
  /**
   * Undoes a commit whose term had ended (core/leader-write.ts): puts back what the item held, if
   * the item is still exactly that commit (its version and its lease). False when it is not.
   */
  revert(write: CommittedWrite): Promise<boolean>;
  get(key: string): Promise<StoredItem | undefined>;
  publishState(key: string): Promise<PublishState | undefined>;
  /** Records that version `published` is in the log at `position`, published under `lease`. */
  recordPublished(key: string, published: VersionStamp, lease: PublishLease, position: LogPosition): Promise<RecordOutcome>;
  /**
   * Takes a new publish lease on the item's current version for a republish (relay, verify), if
   * the item is still at `current` and its lease is still `seen` (undefined: no open lease).
   */
  claimLease(key: string, current: VersionStamp, seen: PublishLease | undefined, next: PublishLease): Promise<boolean>;
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

export interface PublishOptions {
  /**
   * Epoch ms after which the event must not be handed to the log any more (its publish lease
   * ends): the publish fails instead. Without it, the publisher's own timeout applies.
   */
  notAfter?: number;
}

export interface ChangePublisher {
  /**
   * Resolves once the event is durably in the log (acks=all) with its position: the event's own
   * record, or that of a newer version of the key this publisher already sent (which carries the
   * event's effect), so a key's versions never go backwards in the log.
   */
  publish(event: ChangeEvent, options?: PublishOptions): Promise<LogPosition>;
}

export interface OffsetReader {
  /** Committed offsets for each group on the replication topic, fetched in one round. */
  committedOffsets(groupIds: readonly string[]): Promise<Map<string, CommittedOffsets>>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that also waits: a callback after a delay, and a pause. Injected so that waits (an
 * acknowledgement's deadline, a poll between rounds) run in virtual time in the unit tests
 * (test/support/manual-clock.ts) instead of on real timers.
 */
export interface Timers extends Clock {
  /** Calls `fn` once `ms` have passed; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
  sleep(ms: number): Promise<void>;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/**
 * How much of the time since a moment this process could not run: its event loop was blocked or
 * the process was frozen (a loaded, starved or paused machine). A deadline that judges a
 * dependency does not count that time against it (core/stall-meter.ts).
 */
export interface StallMeter {
  stalledSince(since: number): number;
}

export const noStalls: StallMeter = { stalledSince: () => 0 };

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
export interface ReplicationAdmin extends OffsetReader {
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
  versions(): Promise<Map<string, VersionStamp>>;
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
  /** Writes `item` over the follower's copy only if that copy is still at `seen` (undefined: absent). */
  overwrite(item: StoredItem, seen: VersionStamp | undefined): Promise<boolean>;
  /** Removes the follower's copy only if it is still at `seen`. */
  remove(key: string, seen: VersionStamp): Promise<boolean>;
}

/** The control state (followers, sync follower, history), changed only by compare-and-set. */
export interface ControlStore {
  load(): Promise<ControlState | undefined>;
  /** Writes the state only if no state exists yet; returns whichever state is stored afterwards. */
  initialize(state: ControlState): Promise<ControlState>;
  /** Compare-and-set on the revision; false when another writer got there first. */
  replace(expectedRevision: number, next: ControlState): Promise<boolean>;
}

/** Each follower consumer's latest report (running, restarting, its last error), for status. */
export interface ConsumerStateStore {
  save(report: ConsumerReport): Promise<void>;
  load(followerIds: readonly string[]): Promise<Map<string, ConsumerReport>>;
}

/** The watchdog's last conclusion about the leader's store (core/leader-watch.ts), for status. */
export interface WatchReportStore {
  save(report: WatchReport): Promise<void>;
  load(): Promise<WatchReport | undefined>;
}

/** One item of a replica, by key. */
export interface ItemReader {
  get(key: string): Promise<StoredItem | undefined>;
}

export interface DeadLetter {
  record: LogRecord;
  reason: string;
  followerId: string;
  failedAt: number;
}

/** Where poison records go (the dead-letter topic), before anything after them is confirmed. */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/**
 * The fences a replica has passed, per partition, persisted before its consumer commits past one
 * (core/fence-memory.ts), so a refusal survives restarts and hand-overs between consumers.
 */
export interface FenceStore {
  load(replica: string, partition: number): Promise<PassedFence[]>;
  add(replica: string, partition: number, fences: readonly PassedFence[]): Promise<void>;
}

/** Writes a term's fence in the given partitions and says at which offset each landed. */
export interface FenceWriter {
  write(fence: FenceRecord, partitions: readonly number[]): Promise<Record<string, string>>;
}
