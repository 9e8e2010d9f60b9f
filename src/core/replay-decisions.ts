import type { ChangeEvent } from './change-event';
import type { ControlState } from './control-state';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { type PassedFence, screenByFences } from './fence';
import { decodeLogRecords, type LogRecord, type PoisonRecord } from './log-record';
import { leaseIsHeld, type ReplayJournalEntry } from './replay-journal';
import {
  formatReplayFrom,
  offsetsFromRecord,
  offsetsToRecord,
  type PartitionOffsets,
  planReplay,
  type ReplayFrom,
  type ReplayMode,
} from './replay-plan';
import { isNewer, newestPerKey, type VersionStamp } from './versions';

/**
 * The decisions of a replay (core/replay.ts runs them), each a pure function of what the run has
 * seen so far: given the state and an observation, the next state and the effects to carry out.
 * The loop does the I/O in between and nothing else, so every rule here is specified without a log
 * or a table (test/unit/core/replay-decisions.test.ts).
 */

/** What the operator asked for, as far as the decisions care. */
export interface ReplayRequest {
  followerId: string;
  from: ReplayFrom;
  rebuild: boolean;
  /** Discard an interrupted replay of this follower instead of resuming it. */
  restart?: boolean;
  /** `follower add` replays a follower before registering it in the control state. */
  unregistered?: boolean;
  /** The delay of a follower not registered yet; a registered follower's comes from the control state. */
  delayMs?: number;
}

export interface ReplayStart {
  mode: ReplayMode;
  /** `--from` as the run uses it (an interrupted replay's own, when resumed). */
  from: string;
  delayMs: number;
  resumed: boolean;
  /** The interrupted replay to remove first (`--restart`). */
  discard: boolean;
  /** The journal entry to claim: the run's lease. */
  entry: ReplayJournalEntry;
  notices: string[];
}

/**
 * The first decision, from the control state and the journal as loaded: refuse (every refusal
 * before the first side effect, so a refused `--restart` keeps the interrupted replay), or start a
 * new run, or resume the interrupted one.
 */
export function decideStart(given: {
  control: ControlState;
  journal: ReplayJournalEntry | undefined;
  owner: string;
  now: number;
  request: ReplayRequest;
}): ReplayStart {
  const { control, journal, owner, now, request } = given;
  const id = request.followerId;
  const follower = control.followers.find((f) => f.id === id);
  if (!follower && !request.unregistered) {
    throw new NotFoundError(`${id} is not a follower; \`replog follower add ${id}\` registers and replays a new one`);
  }
  if (journal && journal.owner !== owner && leaseIsHeld(journal, now)) {
    const ago = Math.round((now - journal.heartbeatAt) / 1000);
    throw new ConflictError(`a replay of ${id} is already running (${journal.owner}, last checkpoint ${ago}s ago)`);
  }
  const discard = journal !== undefined && request.restart === true;
  const kept = discard ? undefined : journal;
  const mode: ReplayMode = kept ? kept.mode : request.rebuild ? 'rebuild' : 'catch-up';
  if (!kept && mode === 'rebuild' && request.from.kind !== 'earliest') {
    throw new ValidationError('BAD_QUERY', '--rebuild fills a fresh table, which only a replay from earliest can make complete');
  }
  if (mode === 'rebuild' && control.syncFollower === id) {
    throw new ConflictError(
      `${id} is the sync follower: rebuilding empties its table, and semi-sync promises that it holds every acknowledged write. Designate another sync follower first (POST /replication/sync-follower).`,
    );
  }
  const notices: string[] = [];
  if (discard && journal) notices.push(`discarded the interrupted ${journal.mode} of ${id} started ${new Date(journal.startedAt).toISOString()}`);
  const from = kept ? kept.from : formatReplayFrom(request.from);
  if (kept) {
    const asked = `${request.rebuild ? 'rebuild' : 'catch-up'} from ${formatReplayFrom(request.from)}`;
    notices.push(
      `resuming the interrupted ${kept.mode} from ${kept.from} (started ${new Date(kept.startedAt).toISOString()})` +
        (asked === `${kept.mode} from ${kept.from}` ? '' : `; its options apply, not ${asked} (--restart discards it)`),
    );
  }
  const fresh = { followerId: id, mode, from, phase: mode === 'rebuild' ? 'recreating-table' : 'replaying', starts: {}, targets: {}, progress: {}, startedAt: now, runs: 0 } as const;
  return {
    mode,
    from,
    delayMs: follower?.delayMs ?? request.delayMs ?? 0,
    resumed: kept !== undefined,
    discard,
    entry: { ...(kept ?? fresh), owner, heartbeatAt: now, runs: (kept?.runs ?? 0) + 1 },
    notices,
  };
}

/** A run that has recorded where it starts: a rerun resumes it instead of planning again. */
export function isPlanned(entry: ReplayJournalEntry): boolean {
  return Object.keys(entry.starts).length > 0;
}

/** Where `--from` points in each partition, when the log answers it without a lookup by time. */
export function requestedStarts(from: ReplayFrom, ends: { high: PartitionOffsets; low: PartitionOffsets }): PartitionOffsets | undefined {
  if (from.kind === 'earliest') return ends.low;
  if (from.kind === 'offset') return new Map([...ends.high.keys()].map((p) => [p, from.offset]));
  return undefined;
}

export interface ReplayPositions {
  starts: Map<number, bigint>;
  targets: Map<number, bigint>;
  /** How far the table holds the log, per partition: the offsets each checkpoint commits. */
  positions: Map<number, bigint>;
  /** The entry to keep once the run has joined the group. */
  entry: ReplayJournalEntry;
  /** Commit the starts and save the entry before reading: from then on the group never claims more than the table holds. */
  commitStarts: boolean;
  notices: string[];
}

/**
 * Where each partition's replay starts and ends, from the log's ends and the group's committed
 * offsets: planned afresh, or the recorded plan of a rebuild that has not recreated its table yet,
 * or a resumed run continuing from its last checkpoint. A delayed follower's targets stop at what
 * is older than its delay (`due`: the offsets at now − delay).
 */
export function decidePositions(given: {
  entry: ReplayJournalEntry;
  mode: ReplayMode;
  delayMs: number;
  ends: { high: PartitionOffsets; low: PartitionOffsets };
  committed: PartitionOffsets;
  /** For a run not planned yet: where `--from` points. */
  requested?: PartitionOffsets;
  due?: PartitionOffsets;
}): ReplayPositions {
  const { entry, ends, committed } = given;
  const notices: string[] = [];
  const planned = isPlanned(entry);
  let starts = new Map<number, bigint>();
  let targets: Map<number, bigint>;
  if (!planned) {
    const plan = planReplay({ mode: given.mode, requested: given.requested ?? ends.low, low: ends.low, high: ends.high, committed });
    notices.push(...plan.notes);
    ({ starts, targets } = plan);
  } else if (entry.phase === 'recreating-table') {
    starts = offsetsFromRecord(entry.starts);
    targets = maxOffsets(offsetsFromRecord(entry.targets), ends.high);
  } else {
    // The committed offsets are the last checkpoint (or further, if the live follower ran in between).
    const recorded = offsetsFromRecord(entry.starts);
    for (const [p, high] of ends.high) {
      const low = ends.low.get(p) ?? 0n;
      starts.set(p, clampTo(committed.get(p) ?? recorded.get(p) ?? low, low, high));
    }
    targets = maxOffsets(offsetsFromRecord(entry.targets), ends.high);
  }
  if (given.delayMs > 0) {
    // A delayed follower must not receive what is younger than its delay, replay or not; its
    // live consumer applies the rest as it comes due.
    for (const [p, target] of targets) {
      const limit = maxOf(given.due?.get(p) ?? target, starts.get(p) ?? 0n);
      if (limit < target) targets.set(p, limit);
    }
    notices.push(`${entry.followerId} is delayed by ${Math.round(given.delayMs / 1000)}s: replaying only events older than that`);
  }
  const positions = new Map(starts);
  return {
    starts,
    targets,
    positions,
    entry: { ...entry, starts: planned ? entry.starts : offsetsToRecord(starts), targets: offsetsToRecord(targets), progress: offsetsToRecord(positions) },
    commitStarts: !planned || entry.phase === 'recreating-table',
    notices,
  };
}

export type TableStep =
  /** Recreate the table, then save `entry` (the table is fresh: nothing is known in it). */
  | { kind: 'recreate'; entry: ReplayJournalEntry; notice: string }
  /** A rebuild resumed into its table: read the versions it holds, since its bulk writes are unconditional. */
  | { kind: 'read-versions' }
  /** A catch-up writes conditionally: nothing to prepare. */
  | { kind: 'none' };

export function decideTable(entry: ReplayJournalEntry, mode: ReplayMode, now: number): TableStep {
  if (mode !== 'rebuild') return { kind: 'none' };
  if (entry.phase !== 'recreating-table') return { kind: 'read-versions' };
  return {
    kind: 'recreate',
    entry: { ...entry, phase: 'replaying', heartbeatAt: now },
    notice: `starting ${entry.followerId} from a fresh table (a table holding items is dropped and recreated with the same definition)`,
  };
}

/** One slice of a chunk and how far the table holds the log once it is written. */
export interface ChunkSlice {
  records: readonly LogRecord[];
  reached: bigint;
}

/**
 * Under --max-rate, a chunk is applied in slices of about a tenth of a second's worth, so the pace
 * (and the progress shown) stays even however large the fetched chunk is. An empty chunk is one
 * empty slice: it still moves the position to `next` (records filtered out, or a target reached).
 */
export function sliceChunk(records: readonly LogRecord[], next: bigint, maxRatePerSec: number | undefined): ChunkSlice[] {
  const size = maxRatePerSec ? Math.max(1, Math.floor(maxRatePerSec / 10)) : records.length || 1;
  const slices: ChunkSlice[] = [];
  for (let i = 0; i < records.length || i === 0; i += size) {
    const part = records.slice(i, i + size);
    const last = part[part.length - 1];
    slices.push({ records: part, reached: i + size >= records.length || !last ? next : BigInt(last.offset) + 1n });
  }
  return slices;
}

export type ChunkWrite =
  /** A rebuild: unconditional bulk writes of what is newer than what the run knows it wrote. */
  | { kind: 'put'; events: ChangeEvent[]; skipped: number }
  /** A catch-up: conditional writes of the newest event per key; `dropped` were older ones in the chunk. */
  | { kind: 'apply'; events: ChangeEvent[]; dropped: number };

/**
 * What to write for one slice of records: poison is skipped (the live followers dead-lettered it
 * when they met it), the rest reduced to the newest per key. The log can hold an older version
 * after a newer one (a republish racing a write), so a rebuild, whose bulk writes are
 * unconditional, writes only what is newer than the versions it knows.
 */
export function decideChunk(
  records: readonly LogRecord[],
  known: ReadonlyMap<string, VersionStamp> | undefined,
  fences: (partition: number) => readonly PassedFence[] = () => [],
): { poison: PoisonRecord[]; fenced: number; passed: Map<number, PassedFence[]>; write: ChunkWrite } {
  const { entries, poison } = decodeLogRecords(records);
  // The same fence rule as the live followers: a deposed leader's records never reach a rebuilt table.
  const screened = screenByFences(entries, fences);
  const events = screened.apply;
  const newest = newestPerKey(events);
  const fenced = screened.fenced.length;
  if (known) {
    const fresh = newest.filter((e) => isNewer(e, known.get(e.key)));
    return { poison, fenced, passed: screened.passed, write: { kind: 'put', events: fresh, skipped: events.length - fresh.length } };
  }
  return { poison, fenced, passed: screened.passed, write: { kind: 'apply', events: newest, dropped: events.length - newest.length } };
}

/** A checkpoint commits only while the replay is its group's one member; another consumer stops the run. */
export function checkMembers(members: number, groupId: string, followerId: string): void {
  if (members > 1) {
    throw new ConflictError(`another consumer joined ${groupId} during the replay of ${followerId}; stopped so the two do not interleave`);
  }
}

export function reachedTargets(targets: PartitionOffsets, positions: PartitionOffsets): boolean {
  return [...targets].every(([p, target]) => (positions.get(p) ?? 0n) >= target);
}

/**
 * How a run lets go, finished, interrupted or failed: a completed run, or one that never recorded
 * its starts, removes its journal (which lets a local runtime restart the live consumer); any other
 * keeps it with a released lease, so a rerun resumes at once.
 */
export function decideRelease(entry: ReplayJournalEntry, completed: boolean): { kind: 'remove' } | { kind: 'keep'; entry: ReplayJournalEntry } {
  if (completed || !isPlanned(entry)) return { kind: 'remove' };
  return { kind: 'keep', entry: { ...entry, heartbeatAt: 0 } };
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function clampTo(n: bigint, lo: bigint, hi: bigint): bigint {
  return n < lo ? lo : n > hi ? hi : n;
}

function maxOffsets(a: PartitionOffsets, b: PartitionOffsets): Map<number, bigint> {
  const out = new Map(a);
  for (const [p, o] of b) if ((out.get(p) ?? -1n) < o) out.set(p, o);
  return out;
}
