import type { OrderedPublisher } from './ordered-publisher';
import type { FollowerRepairer, Log, ReplicaScanner, ReplicationAdmin, StoredItem } from './ports';
import { hasPassed, type LogPosition } from './positions';
import {
  classifyDifference,
  compareReplicas,
  countByKind,
  type Difference,
  type DifferenceKind,
  isPending,
  type RepairAction,
  repairActionFor,
  viewOf,
} from './replica-diff';
import { isSameVersion } from './versions';

export interface VerifyDeps {
  leader: { scanner: ReplicaScanner; get(key: string): Promise<StoredItem | undefined> };
  follower: { scanner: ReplicaScanner; get(key: string): Promise<StoredItem | undefined> };
  repairer: FollowerRepairer;
  /** Republishes the leader's current state in the key's order (core/publish-order.ts). */
  publisher: Pick<OrderedPublisher, 'republishCurrent'>;
  /** How old an open publish lease must be before verify takes it over (lease window + margin). */
  staleLeaseMs: number;
  admin: Pick<ReplicationAdmin, 'endOffsets' | 'committedOffsets' | 'groupMembership'>;
  groupId: string;
  log: Log;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface VerifyOptions {
  followerId: string;
  repair: boolean;
  /**
   * How long a difference may take to go away before it counts: a write in flight shows up as a
   * difference in a scan, so reported differences are re-read once the follower has applied
   * everything that was in the log (a delayed follower needs its delay on top).
   */
  settleMs: number;
  onNotice?: (message: string) => void;
}

export interface RepairOutcome {
  key: string;
  kind: DifferenceKind;
  action: RepairAction;
  /** False when the item changed under the repair; the re-check decides whether that matters. */
  done: boolean;
  position?: LogPosition;
}

export interface VerifyReport {
  followerId: string;
  leaderItems: number;
  followerItems: number;
  /** Differences found (after settling), before any repair. */
  differences: Difference[];
  /**
   * A follower without a live consumer: leader versions it has not been delivered yet (still being
   * published, or in the log at or after its committed offsets). Not differences: its consumer
   * applies them when it runs.
   */
  pending: Difference[];
  counts: Record<DifferenceKind, number>;
  repairs: RepairOutcome[];
  /** What still differs at the end (after repair and its re-check, when --repair). */
  remaining: Difference[];
  matched: boolean;
  followerLive: boolean;
  durationMs: number;
}

const POLL_MS = 200;
const RECHECK_CONCURRENCY = 16;

/**
 * Compares a follower's table with the leader's: both scanned in parallel, differences classified
 * (replica-diff.ts), then each re-read once the follower has passed the log end as it was when its
 * leader state was read (see settle), so writes in flight during the scan are not reported. With `repair`, heals them as repairActionFor says and
 * re-checks the healed keys.
 */
export async function verifyFollower(deps: VerifyDeps, options: VerifyOptions): Promise<VerifyReport> {
  const started = deps.now();
  const [leaderItems, followerItems] = await Promise.all([deps.leader.scanner.scan(), deps.follower.scanner.scan()]);
  let differences = compareReplicas(leaderItems, followerItems);
  const followerLive = await isLive(deps);
  let pending: Difference[] = [];
  if (!followerLive && differences.length > 0) {
    // Nobody applies the log for this follower now: what it has not been delivered is not a
    // difference (its consumer applies it when it runs), and waiting would not change that.
    const committed = (await deps.admin.committedOffsets([deps.groupId])).get(deps.groupId);
    pending = differences.filter((d) => isPending(d, committed));
    differences = differences.filter((d) => !isPending(d, committed));
  }
  if (differences.length > 0) {
    options.onNotice?.(`${differences.length} candidate difference(s); re-checking them as ${options.followerId} catches up`);
    differences = await settle(deps, differences, options.settleMs, followerLive);
  }
  const repairs: RepairOutcome[] = [];
  let remaining = differences;
  if (options.repair && differences.length > 0) {
    const positions: LogPosition[] = [];
    await forEachLimited(differences, RECHECK_CONCURRENCY, async (d) => {
      const outcome = await repairOne(deps, d);
      repairs.push(outcome);
      if (outcome.position) positions.push(outcome.position);
    });
    if (positions.length > 0 && !followerLive) {
      options.onNotice?.(
        `${options.followerId} has no live consumer: it applies the ${positions.length} republished event(s) when it runs again`,
      );
    }
    if (followerLive) await waitUntilApplied(deps, positions, deps.now() + options.settleMs);
    remaining = await settle(deps, await recheck(deps, differences), options.settleMs, followerLive);
  }
  return {
    followerId: options.followerId,
    leaderItems: leaderItems.size,
    followerItems: followerItems.size,
    differences,
    pending,
    counts: countByKind(differences),
    repairs: repairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    remaining,
    matched: remaining.length === 0,
    followerLive,
    durationMs: deps.now() - started,
  };
}

async function repairOne(deps: VerifyDeps, difference: Difference): Promise<RepairOutcome> {
  const action = repairActionFor(difference);
  const base = { key: difference.key, kind: difference.kind, action };
  if (action === 'republish') {
    // Under a publish lease of its own, so a write landing meanwhile is published after it and
    // the key's last record in the compacted log stays its newest state.
    const outcome = await deps.publisher.republishCurrent(difference.key, { staleBefore: deps.now() - deps.staleLeaseMs });
    if (outcome.kind !== 'republished') {
      // `fresh`: a write of the key is being published right now; the re-check judges the result.
      return { ...base, done: outcome.kind === 'fresh' };
    }
    deps.log.info('republished the leader state for verify --repair', {
      key: difference.key,
      version: outcome.version,
      partition: outcome.position.partition,
      offset: outcome.position.offset,
    });
    return { ...base, done: true, position: outcome.position };
  }
  const leader = await deps.leader.get(difference.key);
  const seen = difference.follower;
  if (action === 'remove') {
    const done = seen !== undefined && (await deps.repairer.remove(difference.key, seen));
    deps.log.info('removed an item the leader never had from the follower table', { key: difference.key, version: seen?.version, done });
    return { ...base, done };
  }
  if (!leader) return { ...base, done: false };
  const done = await deps.repairer.overwrite(leader, seen);
  deps.log.info('overwrote a follower item with the leader state', { key: difference.key, version: leader.version, replaced: seen?.version, done });
  return { ...base, done };
}

/** Re-reads the keys (leader first, then follower) and keeps only what still differs. */
async function recheck(deps: VerifyDeps, differences: readonly Difference[]): Promise<Difference[]> {
  const still: Difference[] = [];
  await forEachLimited(differences, RECHECK_CONCURRENCY, async (d) => {
    const leader = await deps.leader.get(d.key);
    const follower = await deps.follower.get(d.key);
    const l = leader && viewOf(leader);
    const f = follower && viewOf(follower);
    const kind = classifyDifference(l, f);
    if (kind) still.push({ key: d.key, kind, leader: l, follower: f });
  });
  return byKey(still);
}

/**
 * Decides each candidate once the follower has passed what the log held when the candidate's
 * leader state was read: a leader version whose publish lease was closed at that read is in the
 * log below the end offsets taken right after it, so once the follower's committed offsets reach
 * those ends a difference that remains is real and needs no more reading. Only candidates whose
 * leader version was still being published, or moved meanwhile, go round again, until the deadline.
 */
async function settle(deps: VerifyDeps, differences: Difference[], settleMs: number, live: boolean): Promise<Difference[]> {
  if (!live) return recheck(deps, differences);
  const deadline = deps.now() + settleMs;
  const decided: Difference[] = [];
  let open = differences;
  for (;;) {
    const leaders = new Map<string, StoredItem | undefined>();
    await forEachLimited(open, RECHECK_CONCURRENCY, async (d) => {
      leaders.set(d.key, await deps.leader.get(d.key));
    });
    const ends = await deps.admin.endOffsets();
    await waitUntilCommitted(deps, ends.high, deadline);
    const again: Difference[] = [];
    await forEachLimited(open, RECHECK_CONCURRENCY, async (d) => {
      const read = leaders.get(d.key);
      const follower = await deps.follower.get(d.key);
      const l = read && viewOf(read);
      const f = follower && viewOf(follower);
      const kind = classifyDifference(l, f);
      if (!kind) return;
      const difference = { key: d.key, kind, leader: l, follower: f };
      const inFlight = read?.outboxAt !== undefined;
      const current = await deps.leader.get(d.key);
      const moved = read === undefined ? current !== undefined : !isSameVersion(read, current);
      if (inFlight || moved) again.push(difference);
      else decided.push(difference);
    });
    open = again;
    if (open.length === 0 || deps.now() >= deadline) return byKey([...decided, ...open]);
    await deps.sleep(POLL_MS);
  }
}

function byKey(differences: Difference[]): Difference[] {
  return differences.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function waitUntilCommitted(deps: VerifyDeps, ends: ReadonlyMap<number, bigint>, deadline: number): Promise<void> {
  for (;;) {
    const committed = (await deps.admin.committedOffsets([deps.groupId])).get(deps.groupId);
    const caughtUp = [...ends].every(([p, end]) => end === 0n || (committed?.get(p) ?? -1n) >= end);
    if (caughtUp || deps.now() >= deadline) return;
    await deps.sleep(POLL_MS);
  }
}

async function waitUntilApplied(deps: VerifyDeps, positions: readonly LogPosition[], deadline: number): Promise<void> {
  if (positions.length === 0) return;
  for (;;) {
    const committed = (await deps.admin.committedOffsets([deps.groupId])).get(deps.groupId);
    if (positions.every((p) => hasPassed(committed, p)) || deps.now() >= deadline) return;
    await deps.sleep(POLL_MS);
  }
}

async function isLive(deps: VerifyDeps): Promise<boolean> {
  const group = (await deps.admin.groupMembership([deps.groupId])).get(deps.groupId);
  return (group?.members ?? 0) > 0;
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
