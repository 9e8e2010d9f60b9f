import { type ChangeEvent, decodeChangeEvent } from './change-event';
import type { ControlState } from './control-state';
import { ConflictError, NotFoundError, PoisonEventError, ValidationError } from './errors';
import type { LogRecord } from './follower-apply';
import type { Log, ReplayJournalStore, ReplayReader, ReplaySink, ReplicationAdminPort } from './ports';
import { leaseIsHeld, REPLAY_LEASE_MS, type ReplayJournalEntry } from './replay-journal';
import {
  formatReplayFrom,
  offsetsFromRecord,
  parseReplayFrom,
  offsetsToRecord,
  type PartitionOffsets,
  planReplay,
  type ReplayFrom,
  type ReplayMode,
} from './replay-plan';
import { measureProgress, type ReplayProgress, throttleDelayMs } from './replay-progress';
import { isNewer, newestPerKey, stampOf, type VersionStamp } from './versions';

export interface ReplayDeps {
  admin: Pick<ReplicationAdminPort, 'endOffsets' | 'committedOffsets' | 'groupMembership' | 'offsetsAtTime'>;
  reader: ReplayReader;
  sink: ReplaySink;
  journal: ReplayJournalStore;
  /** The current control state, read fresh (who follows, who is sync). */
  control: () => Promise<ControlState>;
  groupId: string;
  /** This run's identity in the journal lease. */
  owner: string;
  log: Log;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface ReplayOptions {
  followerId: string;
  from: ReplayFrom;
  rebuild: boolean;
  /** Discard an interrupted replay of this follower instead of resuming it. */
  restart?: boolean;
  /** `follower add` replays a follower before registering it in the control state. */
  unregistered?: boolean;
  /** The delay of a follower not registered yet; a registered follower's comes from the control state. */
  delayMs?: number;
  /** Cap on records per second, to spare the table's write capacity. */
  maxRatePerSec?: number;
  checkpointEveryMs?: number;
  /** How long to wait for the follower's live consumer to leave its group. */
  idleWaitMs?: number;
  signal?: AbortSignal;
  onProgress?: (report: ReplayProgressReport) => void;
  onNotice?: (message: string) => void;
}

export interface ReplayCounts {
  /** Records read from the log. */
  records: number;
  /** Items written into the follower table. */
  written: number;
  /** Events not written: older than what the table (or a later event in the same chunk) holds. */
  skipped: number;
  /** Undecodable records, skipped (the live followers dead-lettered them when they met them). */
  poison: number;
}

export interface ReplayProgressReport extends ReplayProgress {
  counts: ReplayCounts;
}

export interface ReplaySummary {
  followerId: string;
  mode: ReplayMode;
  from: string;
  resumed: boolean;
  /** False when the run was interrupted; running the same command again resumes it. */
  completed: boolean;
  starts: Record<string, string>;
  targets: Record<string, string>;
  /** The follower group's committed offsets when the replay let go: where live consumption continues. */
  handedOverAt: Record<string, string>;
  counts: ReplayCounts;
  durationMs: number;
  recordsPerSec: number;
  notes: string[];
}

const DEFAULT_CHECKPOINT_MS = 1000;
const DEFAULT_IDLE_WAIT_MS = 30_000;
const IDLE_POLL_MS = 250;

/**
 * Replays the log into one follower's table at bulk speed and hands over to live consumption.
 *
 * The replay joins the follower's own consumer group as its only member, so the committed offsets
 * it writes at every checkpoint *are* the follower's position: after a crash or Ctrl-C the table
 * holds at least what they claim, a rerun resumes from them, and when the replay finishes the
 * live consumer continues exactly there. A rebuild first moves the offsets to the start and then
 * recreates the table, so they never claim more than the fresh table holds.
 */
export async function runReplay(deps: ReplayDeps, options: ReplayOptions): Promise<ReplaySummary> {
  const startedAt = deps.now();
  const id = options.followerId;
  const notes: string[] = [];
  const notice = (message: string) => {
    notes.push(message);
    options.onNotice?.(message);
  };

  const state = await deps.control();
  const registered = state.followers.some((f) => f.id === id);
  const delayMs = state.followers.find((f) => f.id === id)?.delayMs ?? options.delayMs ?? 0;
  if (!registered && !options.unregistered) {
    throw new NotFoundError(`${id} is not a follower; \`replog follower add ${id}\` registers and replays a new one`);
  }

  let journal = await deps.journal.load(id);
  if (journal && journal.owner !== deps.owner && leaseIsHeld(journal, deps.now())) {
    const ago = Math.round((deps.now() - journal.heartbeatAt) / 1000);
    throw new ConflictError(`a replay of ${id} is already running (${journal.owner}, last checkpoint ${ago}s ago)`);
  }
  // Every refusal comes before the first side effect: a refused `--restart` keeps the interrupted replay.
  const discard = journal !== undefined && options.restart === true;
  const kept = discard ? undefined : journal;
  const mode: ReplayMode = kept ? kept.mode : options.rebuild ? 'rebuild' : 'catch-up';
  if (!kept && mode === 'rebuild' && options.from.kind !== 'earliest') {
    throw new ValidationError('BAD_QUERY', '--rebuild fills a fresh table, which only a replay from earliest can make complete');
  }
  if (mode === 'rebuild' && state.syncFollower === id) {
    throw new ConflictError(
      `${id} is the sync follower: rebuilding empties its table, and semi-sync promises that it holds every acknowledged write. Designate another sync follower first (POST /replication/sync-follower).`,
    );
  }
  if (discard && journal) {
    await deps.journal.remove(id);
    notice(`discarded the interrupted ${journal.mode} of ${id} started ${new Date(journal.startedAt).toISOString()}`);
  }
  journal = kept;
  const resumed = journal !== undefined;
  const from = journal ? journal.from : formatReplayFrom(options.from);
  if (journal) {
    const asked = `${options.rebuild ? 'rebuild' : 'catch-up'} from ${formatReplayFrom(options.from)}`;
    notice(
      `resuming the interrupted ${journal.mode} from ${journal.from} (started ${new Date(journal.startedAt).toISOString()})` +
        (asked === `${journal.mode} from ${journal.from}` ? '' : `; its options apply, not ${asked} (--restart discards it)`),
    );
  }

  let entry: ReplayJournalEntry = {
    ...(journal ?? { followerId: id, mode, from, phase: mode === 'rebuild' ? 'recreating-table' : 'replaying', starts: {}, targets: {}, progress: {}, startedAt, runs: 0 }),
    owner: deps.owner,
    heartbeatAt: deps.now(),
    runs: (journal?.runs ?? 0) + 1,
  };
  if (!(await deps.journal.claim(entry, deps.now(), REPLAY_LEASE_MS))) {
    throw new ConflictError(`another replay of ${id} started just now`);
  }

  const counts: ReplayCounts = { records: 0, written: 0, skipped: 0, poison: 0 };
  let starts = new Map<number, bigint>();
  let targets = new Map<number, bigint>();
  const positions = new Map<number, bigint>();
  let joined = false;
  let completed = false;
  let runStartedAt = deps.now();
  const summary = (): ReplaySummary => {
    const durationMs = deps.now() - startedAt;
    const readMs = deps.now() - runStartedAt;
    return {
      followerId: id,
      mode,
      from,
      resumed,
      completed,
      starts: offsetsToRecord(starts),
      targets: offsetsToRecord(targets),
      handedOverAt: offsetsToRecord(positions),
      counts,
      durationMs,
      recordsPerSec: readMs > 0 ? (counts.records / readMs) * 1000 : 0,
      notes,
    };
  };

  const replay = async (): Promise<void> => {
    await waitForIdleGroup(deps, id, options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS, notice, options.signal);
    if (options.signal?.aborted) return;

    const ends = await deps.admin.endOffsets();
    const committed = (await deps.admin.committedOffsets([deps.groupId])).get(deps.groupId) ?? new Map<number, bigint>();
    const planned = Object.keys(entry.starts).length > 0;
    if (!planned) {
      ({ starts, targets } = await planFresh(deps, mode, parseReplayFrom(from), ends, committed, notice));
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
    if (delayMs > 0) {
      // A delayed follower must not receive what is younger than its delay, replay or not; its
      // live consumer applies the rest as it comes due.
      const due = await deps.admin.offsetsAtTime(deps.now() - delayMs);
      for (const [p, target] of targets) {
        const limit = maxOf(due.get(p) ?? target, starts.get(p) ?? 0n);
        if (limit < target) targets.set(p, limit);
      }
      notice(`${id} is delayed by ${Math.round(delayMs / 1000)}s: replaying only events older than that`);
    }
    for (const [p, o] of starts) positions.set(p, o);

    await deps.reader.join();
    joined = true;
    entry = {
      ...entry,
      starts: planned ? entry.starts : offsetsToRecord(starts),
      targets: offsetsToRecord(targets),
      progress: offsetsToRecord(positions),
    };
    if (!planned || entry.phase === 'recreating-table') {
      // From here on the group's offsets never claim more than the table holds.
      await deps.reader.commit(starts);
      await saveOrFail(deps, entry, id);
    }

    let known: Map<string, VersionStamp> | undefined;
    if (mode === 'rebuild') {
      if (entry.phase === 'recreating-table') {
        notice(`starting ${id} from a fresh table (a table holding items is dropped and recreated with the same definition)`);
        await deps.sink.recreate();
        entry = { ...entry, phase: 'replaying', heartbeatAt: deps.now() };
        await saveOrFail(deps, entry, id);
        known = new Map();
      } else {
        known = await deps.sink.versions();
      }
    }

    runStartedAt = deps.now();
    let lastCheckpoint = runStartedAt;
    let checkpointing: Promise<void> = Promise.resolve();
    const report = () =>
      options.onProgress?.({ ...measureProgress(starts, targets, positions, deps.now() - runStartedAt), counts: { ...counts } });
    const checkpoint = async () => {
      const group = (await deps.admin.groupMembership([deps.groupId])).get(deps.groupId);
      if ((group?.members ?? 0) > 1) {
        throw new ConflictError(`another consumer joined ${deps.groupId} during the replay of ${id}; stopped so the two do not interleave`);
      }
      const snapshot = new Map(positions);
      await deps.reader.commit(snapshot);
      entry = { ...entry, progress: offsetsToRecord(snapshot), heartbeatAt: deps.now() };
      await saveOrFail(deps, entry, id);
    };
    report();

    await deps.reader.read({
      starts,
      targets,
      ...(options.signal ? { signal: options.signal } : {}),
      onChunk: async (partition, records, next) => {
        // Under --max-rate, apply in slices of about a tenth of a second's worth, so the pace
        // (and the progress shown) stays even however large the fetched chunk is.
        const slice = options.maxRatePerSec ? Math.max(1, Math.floor(options.maxRatePerSec / 10)) : records.length || 1;
        for (let i = 0; i < records.length || i === 0; i += slice) {
          if (i > 0 && options.signal?.aborted) break;
          const part = records.slice(i, i + slice);
          const last = part[part.length - 1];
          const reached = i + slice >= records.length || !last ? next : BigInt(last.offset) + 1n;
          const pause = throttleDelayMs(counts.records + part.length, deps.now() - runStartedAt, options.maxRatePerSec);
          if (pause > 0) await deps.sleep(pause);
          await applyChunk(deps, part, known, counts);
          if (reached > (positions.get(partition) ?? 0n)) positions.set(partition, reached);
          if (deps.now() - lastCheckpoint >= (options.checkpointEveryMs ?? DEFAULT_CHECKPOINT_MS)) {
            lastCheckpoint = deps.now();
            checkpointing = checkpointing.then(checkpoint);
            await checkpointing;
          }
          report();
        }
      },
    });
    await checkpointing;
    completed = [...targets].every(([p, target]) => (positions.get(p) ?? 0n) >= target);
    await checkpoint();
    report();
  };

  try {
    await replay();
  } catch (error) {
    await letGo(deps, entry, joined).catch((cause: unknown) =>
      deps.log.warn('could not release the replay lease', { followerId: id, error: cause }),
    );
    throw error;
  }
  if (joined) await deps.reader.leave();
  if (completed || Object.keys(entry.starts).length === 0) {
    // Removing the journal is what lets a local runtime restart the live consumer.
    await deps.journal.remove(id, deps.owner);
  } else {
    await deps.journal.save({ ...entry, heartbeatAt: 0 });
  }
  return summary();
}

async function planFresh(
  deps: ReplayDeps,
  mode: ReplayMode,
  from: ReplayFrom,
  ends: { high: Map<number, bigint>; low: Map<number, bigint> },
  committed: PartitionOffsets,
  notice: (message: string) => void,
): Promise<{ starts: Map<number, bigint>; targets: Map<number, bigint> }> {
  let requested: PartitionOffsets;
  if (from.kind === 'earliest') requested = ends.low;
  else if (from.kind === 'offset') requested = new Map([...ends.high.keys()].map((p) => [p, from.offset]));
  else requested = await deps.admin.offsetsAtTime(from.at);
  const plan = planReplay({ mode, requested, low: ends.low, high: ends.high, committed });
  for (const note of plan.notes) notice(note);
  return { starts: plan.starts, targets: plan.targets };
}

async function applyChunk(
  deps: ReplayDeps,
  records: readonly LogRecord[],
  known: Map<string, VersionStamp> | undefined,
  counts: ReplayCounts,
): Promise<void> {
  const events: ChangeEvent[] = [];
  for (const record of records) {
    try {
      if (record.value === null) throw new PoisonEventError('record has no value');
      events.push(decodeChangeEvent(record.value, record.key));
    } catch (error) {
      if (!(error instanceof PoisonEventError)) throw error;
      counts.poison += 1;
      deps.log.warn('poison record skipped by the replay', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key,
        reason: error.message,
      });
    }
  }
  counts.records += records.length;
  const newest = newestPerKey(events);
  if (known) {
    // The log can hold an older version after a newer one (a republish racing a write), and the
    // bulk writes are unconditional, so the replay remembers the newest version it wrote per key.
    const fresh = newest.filter((e) => isNewer(e, known.get(e.key)));
    if (fresh.length > 0) await deps.sink.putAll(fresh);
    for (const e of fresh) known.set(e.key, stampOf(e));
    counts.written += fresh.length;
    counts.skipped += events.length - fresh.length;
    return;
  }
  const { applied, skipped } = newest.length > 0 ? await deps.sink.applyNewest(newest) : { applied: 0, skipped: 0 };
  counts.written += applied;
  counts.skipped += skipped + events.length - newest.length;
}

async function waitForIdleGroup(
  deps: ReplayDeps,
  id: string,
  idleWaitMs: number,
  notice: (message: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = deps.now() + idleWaitMs;
  let told = false;
  for (;;) {
    const members = (await deps.admin.groupMembership([deps.groupId])).get(deps.groupId)?.members ?? 0;
    if (members === 0 || signal?.aborted) return;
    if (!told) {
      notice(`waiting for ${id}'s live consumer to leave ${deps.groupId} (${members} member(s))`);
      told = true;
    }
    if (deps.now() >= deadline) {
      throw new ConflictError(
        `${deps.groupId} still has ${members} live member(s) after ${Math.round(idleWaitMs / 1000)}s. Stop follower ${id} first ` +
          `(AWS: disable its event source mapping; locally a running replog stops it by itself within a second, ` +
          `a separate \`replog follower --id ${id}\` too), then run the replay again.`,
      );
    }
    await deps.sleep(IDLE_POLL_MS);
  }
}

async function saveOrFail(deps: ReplayDeps, entry: ReplayJournalEntry, id: string): Promise<void> {
  if (!(await deps.journal.save(entry))) {
    throw new ConflictError(`the replay of ${id} lost its lease to another run (a checkpoint was more than ${REPLAY_LEASE_MS / 1000}s late)`);
  }
}

/** After a failure: leave the group and release the lease so a rerun can resume at once. */
async function letGo(deps: ReplayDeps, entry: ReplayJournalEntry, joined: boolean): Promise<void> {
  if (joined) await deps.reader.leave();
  if (Object.keys(entry.starts).length === 0) await deps.journal.remove(entry.followerId, entry.owner);
  else await deps.journal.save({ ...entry, heartbeatAt: 0 });
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
