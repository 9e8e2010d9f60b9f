import { currentApplyLagMs, headKey } from './apply-lag';
import { type AppliedRecordStore, appliedOffsetsByFollower, furthest } from './applied-record';
import { type PartitionProgress, PROGRESS_WINDOW_MS, summarizeApplyLag } from './apply-progress';
import { type ConsumerView, restartingReason, viewConsumer } from './consumer-state';
import type { ControlState } from './control-state';
import type { ApplyProgressStore, ConsumerStateStore, Log, LogHeadReader, ReplicationAdmin } from './ports';
import { withDeadline } from './deadline';
import { PartitionsUnavailableError } from './errors';
import { type CommittedOffsets, lagOf } from './positions';
import type { CandidateView } from './promotion';
import { assessHealth, type PartitionFacts } from './replica-health';

export interface FollowerProgress {
  id: string;
  groupId: string;
  /** Records of deposed leaders this replica refused (DLQ reason `fenced`), all partitions. */
  fencedRefusals: number;
  role: 'sync' | 'async' | 'delayed';
  priority: number;
  delayMs: number;
  committed: Record<string, string | null>;
  /** `events` is null when some partition's lag is unknown (a read failed); `perPartition` has the partitions read. */
  lag: { events: number | null; perPartition: Record<string, number> };
  /**
   * Apply lag in time. `current` is 0 when nothing waits; while events wait it is how long the
   * first unapplied event (the record at the committed offset) has waited since its commit, the
   * oldest over partitions, read from the log (core/apply-lag.ts), so a stopped follower's lag
   * climbs in step with the clock. `last`/`p99`/`max` come from the batches the follower
   * recorded (appliedAt − leader commit time of each batch's oldest event) over `windowMs`.
   * `current` is null when the offsets it needs could not be read.
   */
  applyLagMs: { current: number | null; last: number | null; p99: number | null; max: number | null; samples: number; windowMs: number };
  lastAppliedAt: number | null;
  lastProgressAt: number | null;
  group: { state: string; members: number };
  /** What the process running its local consumer reports (running, restarting and why); null in AWS. */
  consumer: ConsumerView | null;
  /** The facts about this follower that could not be read, each with why; when any is, `healthy` is false. */
  unread: string[];
  /** A live consumer is attached and the follower is not stalled (see replica-health.ts), judged on facts all read. */
  healthy: boolean;
  healthReason: string | null;
}

export interface ReplicationSnapshot {
  topicEnd: Record<string, string>;
  topicStart: Record<string, string>;
  followers: FollowerProgress[];
  /** The reads that failed (empty: the snapshot is complete); `topicEnd`/`topicStart` are empty when the end offsets did. */
  unread: UnreadFact[];
  fetchedAt: number;
}

/** Where replication facts come from: the log (admin API and head records), the followers' progress items and consumer reports. */
export interface ReplicationSources {
  admin: ReplicationAdmin;
  progress: Pick<ApplyProgressStore, 'loadProgress'>;
  heads: LogHeadReader;
  consumers: Pick<ConsumerStateStore, 'load'>;
  groupOf: (id: string) => string;
  /** Events waiting longer than this (plus a delayed follower's delay) with no progress = stalled. */
  stallMs: number;
  /**
   * REPLOG_CONFIRM_FROM=applied-record: the followers' applied records, read beside the committed
   * offsets, so elections, switchovers, sync designation and status judge a follower by the same
   * evidence the acknowledger confirmed its writes by (per partition, the further of the two).
   * Unreadable, they are left out: a follower then looks further behind than it is, never ahead.
   */
  applied?: Pick<AppliedRecordStore, 'loadApplied'>;
  /** Failures to read the head records or the consumer reports are logged; status still answers. */
  log?: Log;
  now: () => number;
}

/** The Kafka and progress reads a snapshot is made of; a failed one leaves what it feeds unknown. */
export type ReplicationRead = 'endOffsets' | 'committedOffsets' | 'groupMembership' | 'offsetsAtTime' | 'progress';

/** A read that failed: what it was, why, and the partitions the log reports offline (no leader), if any. */
export interface UnreadFact {
  read: ReplicationRead;
  error: string;
  /** Set for the per-group reads: the group whose facts are missing. */
  groupId?: string;
  /** Set for the per-threshold read: the stall threshold whose first recent offsets are missing. */
  thresholdMs?: number;
  unavailablePartitions: number[];
}

/**
 * How long a degrading read (status, the read path's view) waits for each of its reads: one not
 * answered by then is shown unknown, so brokers down do not stall a status document or a read.
 */
export const DEGRADED_READ_TIMEOUT_MS = 3000;

const READ_NAMES: Record<ReplicationRead, string> = {
  endOffsets: 'end offsets',
  committedOffsets: 'committed offsets',
  groupMembership: 'group membership',
  offsetsAtTime: 'offsets at the stall threshold',
  progress: 'progress items',
};

/**
 * Reads every follower's state in one parallel round, like `readReplication`, and refuses a
 * partial one: promotion, failover, switchover and sync designation decide who holds the
 * acknowledged writes, and a follower whose offsets could not be read might be the one that does.
 * The first read to fail fails this at once with its own error, as one failed read always did.
 */
export async function inspectReplication(sources: ReplicationSources, state: ControlState, options: { timeoutMs?: number } = {}): Promise<ReplicationSnapshot> {
  return readAll(sources, state, { strict: true, timeoutMs: options.timeoutMs });
}

/**
 * Reads every follower's state in one parallel round: end offsets, committed offsets (one read
 * per group), group membership, the offsets older than each stall threshold, and the progress
 * items. A read that fails leaves what it feeds unknown and is named in `unread`; a follower
 * whose facts are incomplete is reported not healthy, with no lag, never caught up. Status and
 * replica choice for reads use this: status must answer while brokers are down, and a follower
 * judged on incomplete facts is never healthy, so never chosen.
 */
export async function readReplication(sources: ReplicationSources, state: ControlState, options: { timeoutMs?: number } = {}): Promise<ReplicationSnapshot> {
  return readAll(sources, state, { timeoutMs: options.timeoutMs });
}

function failed(read: ReplicationRead, error: unknown, scope: { groupId?: string; thresholdMs?: number } = {}): UnreadFact {
  return { read, error: error instanceof Error ? error.message : String(error), ...scope, unavailablePartitions: offlinePartitionsIn(error) };
}

function offlinePartitionsIn(error: unknown): number[] {
  return error instanceof PartitionsUnavailableError ? [...error.partitions] : [];
}

function describeUnread(u: UnreadFact): string {
  const scope = u.groupId === undefined ? '' : ` of ${u.groupId}`;
  return `${READ_NAMES[u.read]}${scope}: ${u.error}`;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; failure: UnreadFact };

/**
 * `timeoutMs`: a read not answered by then counts as failed (brokers down can hold a request for
 * its whole timeout). `strict`: a failed read rejects at once, so the round fails fast.
 */
interface ReadMode {
  timeoutMs?: number;
  strict?: boolean;
}

async function attempt<T>(read: Promise<T>, onError: (error: unknown) => UnreadFact, { timeoutMs, strict }: ReadMode): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await bounded(read, timeoutMs) };
  } catch (error) {
    if (strict) throw error;
    return { ok: false, failure: onError(error) };
  }
}

/** The read, or a rejection once `ms` have passed without its answer (none: waits as long as it takes). */
function bounded<T>(read: Promise<T>, ms: number | undefined, dependency: 'log' | 'store' = 'log'): Promise<T> {
  return ms === undefined ? read : withDeadline(read, ms, `no answer within ${ms} ms`, { details: { dependency } });
}

async function readAll(sources: ReplicationSources, state: ControlState, mode: ReadMode): Promise<ReplicationSnapshot> {
  const { admin, groupOf } = sources;
  const startedAt = sources.now();
  const ids = state.followers.map((f) => f.id);
  const groups = ids.map(groupOf);
  const thresholds = [...new Set(state.followers.map((f) => sources.stallMs + f.delayMs))];
  const endsRead = attempt(admin.endOffsets(), (e) => failed('endOffsets', e), mode);
  // Beside the other reads, not after them: it needs only the partitions.
  // A strict read whose end offsets fail rejects below; this one must not reject unheard.
  const appliedRead = endsRead.then(
    (e) => readAppliedRecords(sources, ids, e.ok ? [...e.value.high.keys()] : [], mode.timeoutMs),
    () => new Map<string, CommittedOffsets>(),
  );
  const [endsOutcome, committedOutcomes, membershipOutcome, progressOutcome, recentOutcomes, reports] = await Promise.all([
    endsRead,
    // One read per group: a group whose coordinator is down leaves only its own follower unknown.
    Promise.all(groups.map(async (g) => [g, await attempt(admin.committedOffsets([g]), (e) => failed('committedOffsets', e, { groupId: g }), mode)] as const)).then(
      (entries) => new Map(entries),
    ),
    attempt(admin.groupMembership(groups), (e) => failed('groupMembership', e), mode),
    endsRead.then((e) =>
      // Without the partitions there is nothing to load; the end offsets' failure already says why.
      e.ok
        ? attempt(
            sources.progress.loadProgress(ids.flatMap((followerId) => [...e.value.high.keys()].map((partition) => ({ followerId, partition })))),
            (err) => failed('progress', err),
            mode,
          )
        : undefined,
    ),
    Promise.all(thresholds.map(async (t) => [t, await attempt(admin.offsetsAtTime(startedAt - t), (e) => failed('offsetsAtTime', e, { thresholdMs: t }), mode)] as const)).then(
      (entries) => new Map(entries),
    ),
    bounded(sources.consumers.load(ids), mode.timeoutMs, 'store').catch((error: unknown) => {
      sources.log?.warn('consumer reports could not be read; status shows none', { error });
      return new Map();
    }),
  ]);
  const appliedRecords = await appliedRead;
  const failures: UnreadFact[] = [
    ...(endsOutcome.ok ? [] : [endsOutcome.failure]),
    ...[...committedOutcomes.values()].flatMap((o) => (o.ok ? [] : [o.failure])),
    ...(membershipOutcome.ok ? [] : [membershipOutcome.failure]),
    ...(progressOutcome === undefined || progressOutcome.ok ? [] : [progressOutcome.failure]),
    ...[...recentOutcomes.values()].flatMap((o) => (o.ok ? [] : [o.failure])),
  ];
  if (failures.length > 0) sources.log?.warn('replication facts could not all be read; status shows what was', { unread: failures.map(describeUnread) });
  const ends = endsOutcome.ok ? endsOutcome.value : undefined;
  const membership = membershipOutcome.ok ? membershipOutcome.value : undefined;
  const progress = progressOutcome?.ok ? progressOutcome.value : [];
  const committedOf = (groupId: string): CommittedOffsets | undefined => {
    const o = committedOutcomes.get(groupId);
    return o?.ok ? o.value.get(groupId) ?? new Map<number, bigint>() : undefined;
  };
  // What a follower is known to hold: its committed offsets, extended by its applied records. A
  // follower whose committed offsets were not read stays unknown (and unhealthy), records or not.
  const heldOf = (f: { id: string }): CommittedOffsets | undefined => {
    const committed = committedOf(groupOf(f.id));
    return committed === undefined ? undefined : furthest(committed, appliedRecords.get(f.id));
  };

  // Each follower's next offset per partition, then one read of every waiting head record.
  const nextOf = new Map<string, Map<number, bigint>>();
  const waitingHeads = new Map<string, { partition: number; offset: bigint }>();
  for (const f of state.followers) {
    const offsets = heldOf(f);
    if (ends === undefined || offsets === undefined) continue;
    const next = new Map<number, bigint>();
    for (const [p, low] of ends.low) {
      const c = offsets.get(p);
      const n = c !== undefined && c > low ? c : low;
      next.set(p, n);
      if (n < (ends.high.get(p) ?? n)) waitingHeads.set(headKey(p, n), { partition: p, offset: n });
    }
    nextOf.set(f.id, next);
  }
  // Within what is left of the round's bound: a head record is read from its partition's leader,
  // and a frozen one held this read (and a promotion waiting on it) until it woke, 10 s later.
  const left = mode.timeoutMs === undefined ? undefined : Math.max(0, startedAt + mode.timeoutMs - sources.now());
  const headTimes =
    waitingHeads.size === 0
      ? new Map<string, number>()
      : await bounded(sources.heads.commitTimesAt([...waitingHeads.values()]), left).catch((error: unknown) => {
          sources.log?.warn('head records could not be read; current apply lag falls back to lower bounds', { error });
          return new Map<string, number>();
        });

  const now = sources.now();
  const followers = [...state.followers]
    .sort((a, b) => a.priority - b.priority)
    .map((f): FollowerProgress => {
      const groupId = groupOf(f.id);
      const offsets = committedOf(groupId);
      const threshold = sources.stallMs + f.delayMs;
      const recent = recentOutcomes.get(threshold);
      const firstRecent = recent?.ok ? recent.value : undefined;
      const unread = failures.filter((u) => (u.groupId === undefined || u.groupId === groupId) && (u.thresholdMs === undefined || u.thresholdMs === threshold));
      const mine = progress.filter((p) => p.followerId === f.id);
      const effective = nextOf.get(f.id);
      const facts: PartitionFacts[] = [...(effective ?? [])].map(([p, next]) => {
        const end = ends?.high.get(p) ?? next;
        return { partition: p, next, end, firstRecent: firstRecent?.get(p) ?? end, progress: mine.find((m) => m.partition === p) };
      });
      const lag = ends !== undefined && effective !== undefined ? lagOf(ends.high, effective) : undefined;
      const group = membership?.get(groupId) ?? { groupId, state: 'Unknown', members: 0 };
      const consumer = viewConsumer(reports.get(f.id), group.members, now);
      const verdict = unread.length > 0 ? { healthy: false, reason: unreadReason(unread) } : assessHealth(group, facts, threshold, now);
      const summary = summarizeApplyLag(mine, now);
      const heads = facts.map((p) => ({
        partition: p.partition,
        waiting: p.next < p.end,
        committedAt: headTimes.get(headKey(p.partition, p.next)),
        olderThanThreshold: p.next < p.end && p.next < p.firstRecent,
      }));
      // Committed offsets are shown whenever they were read, even when the end offsets were not.
      const partitions = ends !== undefined ? [...ends.high.keys()] : [...(offsets?.keys() ?? [])].sort((a, b) => a - b);
      return {
        id: f.id,
        groupId,
        role: f.delayMs > 0 ? 'delayed' : state.syncFollower === f.id ? 'sync' : 'async',
        priority: f.priority,
        delayMs: f.delayMs,
        committed: offsets === undefined ? {} : Object.fromEntries(partitions.map((p) => [String(p), offsets.get(p)?.toString() ?? null])),
        lag:
          lag === undefined
            ? { events: null, perPartition: {} }
            : { events: lag.total, perPartition: Object.fromEntries([...lag.perPartition].map(([p, n]) => [String(p), n])) },
        applyLagMs: {
          current: lag === undefined ? null : currentApplyLagMs(heads, { lastBatchLagMs: summary.last, thresholdMs: threshold }, now),
          last: summary.last,
          p99: summary.p99,
          max: summary.max,
          samples: summary.samples,
          windowMs: PROGRESS_WINDOW_MS,
        },
        lastAppliedAt: summary.lastAppliedAt,
        lastProgressAt: latestProgress(mine),
        fencedRefusals: mine.reduce((n, p) => n + p.fenced, 0),
        group: { state: group.state, members: group.members },
        consumer,
        unread: unread.map(describeUnread),
        healthy: verdict.healthy,
        // "No live consumer" is true but says less than "restarting after <the failure>".
        healthReason: !verdict.healthy && unread.length === 0 && consumer?.state === 'restarting' ? restartingReason(consumer, now) : verdict.reason,
      };
    });
  const snapshot: ReplicationSnapshot = {
    topicEnd: ends === undefined ? {} : Object.fromEntries([...ends.high].map(([p, o]) => [String(p), o.toString()])),
    topicStart: ends === undefined ? {} : Object.fromEntries([...ends.low].map(([p, o]) => [String(p), o.toString()])),
    followers,
    unread: failures,
    fetchedAt: now,
  };
  return snapshot;
}

/** Every follower's applied records by partition; none without the setting, the partitions, or a successful read. */
async function readAppliedRecords(sources: ReplicationSources, ids: readonly string[], partitions: readonly number[], timeoutMs: number | undefined): Promise<Map<string, CommittedOffsets>> {
  if (sources.applied === undefined || partitions.length === 0 || ids.length === 0) return new Map();
  try {
    return appliedOffsetsByFollower(await bounded(sources.applied.loadApplied(ids.flatMap((followerId) => partitions.map((partition) => ({ followerId, partition })))), timeoutMs, 'store'));
  } catch (error) {
    sources.log?.warn('applied records could not be read; followers judged by their committed offsets alone', { error });
    return new Map();
  }
}

/** Why a follower is not judged healthy when some of its facts are missing: which, and why. */
function unreadReason(unread: readonly UnreadFact[]): string {
  const fromLog = unread.filter((u) => u.read !== 'progress').map(describeUnread);
  const fromStore = unread.filter((u) => u.read === 'progress').map(describeUnread);
  return [
    ...(fromLog.length > 0 ? [`the log could not be read: ${fromLog.join('; ')}`] : []),
    ...(fromStore.length > 0 ? [`its progress could not be read: ${fromStore.join('; ')}`] : []),
  ].join('; ');
}

function latestProgress(progress: readonly PartitionProgress[]): number | null {
  return progress.reduce<number | null>((max, p) => (max === null || p.lastProgressAt > max ? p.lastProgressAt : max), null);
}

export function candidateViews(snapshot: ReplicationSnapshot): Map<string, CandidateView> {
  // Unknown lag ranks last; such a follower is not healthy anyway.
  return new Map(snapshot.followers.map((f) => [f.id, { id: f.id, healthy: f.healthy, lag: f.lag.events ?? Number.POSITIVE_INFINITY }]));
}
