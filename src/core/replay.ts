import type { PassedFence } from './fence';
import type { TermStart } from './leadership';
import type { ControlState } from './control-state';
import { waitForEmptyGroup } from './empty-group';
import { ConflictError } from './errors';
import type { LogRecord } from './log-record';
import type { Log, ReplayJournalStore, ReplayReader, ReplaySink, ReplicationAdmin } from './ports';
import {
  checkMembers,
  decideChunk,
  decidePositions,
  decideRelease,
  decideStart,
  decideTable,
  isPlanned,
  type ReplayRequest,
  reachedTargets,
  requestedStarts,
  sliceChunk,
} from './replay-decisions';
import { REPLAY_LEASE_MS, type ReplayJournalEntry } from './replay-journal';
import { offsetsToRecord, type PartitionOffsets, parseReplayFrom, type ReplayMode } from './replay-plan';
import { measureProgress, type ReplayProgress, throttleDelayMs } from './replay-progress';
import { stampOf, type VersionStamp } from './versions';

export interface ReplayDeps {
  admin: Pick<ReplicationAdmin, 'endOffsets' | 'committedOffsets' | 'groupMembership' | 'offsetsAtTime'>;
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
  /**
   * Removes the follower's applied records (core/applied-record.ts) in these partitions. A
   * rebuild calls it before and after recreating the table: a claim about the old table, made
   * or in flight until then, must not confirm versions the fresh table does not hold.
   */
  forgetApplied?: (partitions: readonly number[]) => Promise<void>;
}

export interface ReplayOptions extends ReplayRequest {
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
  /** Records of deposed leaders refused (the live followers dead-lettered them as `fenced`). */
  fenced: number;
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
  /**
   * Where the run's time went: waiting for the live consumer to leave and planning (`prepare`),
   * joining the group (`join`), emptying the table (`table`), reading and writing (`read`), the
   * last checkpoint and leaving (`finish`). What is not `read` is the fixed cost of a replay.
   */
  phasesMs: Record<ReplayPhase, number>;
  notes: string[];
}

export type ReplayPhase = 'prepare' | 'join' | 'table' | 'read' | 'finish';

const DEFAULT_CHECKPOINT_MS = 1000;
const DEFAULT_IDLE_WAIT_MS = 30_000;

/**
 * Replays the log into one follower's table at bulk speed and hands over to live consumption.
 *
 * The replay joins the follower's own consumer group as its only member, so the committed offsets
 * it writes at every checkpoint *are* the follower's position: after a crash or Ctrl-C the table
 * holds at least what they claim, a rerun resumes from them, and when the replay finishes the
 * live consumer continues exactly there. A rebuild first moves the offsets to the start and then
 * recreates the table, so they never claim more than the fresh table holds.
 *
 * What to do at each step is decided in core/replay-decisions.ts; this loop carries it out.
 */
export async function runReplay(deps: ReplayDeps, options: ReplayOptions): Promise<ReplaySummary> {
  const startedAt = deps.now();
  const id = options.followerId;
  const notes: string[] = [];
  const notice = (message: string) => {
    notes.push(message);
    options.onNotice?.(message);
  };

  const start = decideStart({ control: await deps.control(), journal: await deps.journal.load(id), owner: deps.owner, now: deps.now(), request: options });
  if (start.discard) await deps.journal.remove(id);
  for (const message of start.notices) notice(message);
  const { mode, from, resumed, delayMs } = start;
  let entry = start.entry;
  if (!(await deps.journal.claim(entry, deps.now(), REPLAY_LEASE_MS))) {
    throw new ConflictError(`another replay of ${id} started just now`);
  }

  const counts: ReplayCounts = { records: 0, written: 0, skipped: 0, poison: 0, fenced: 0 };
  // Fences the control state recorded, then those the run passes: what the live followers refuse, the replay refuses.
  const fences = fenceBook((await deps.control()).terms);
  let starts = new Map<number, bigint>();
  let targets = new Map<number, bigint>();
  let positions = new Map<number, bigint>();
  let joined = false;
  let completed = false;
  let runStartedAt = deps.now();
  const phasesMs: Record<ReplayPhase, number> = { prepare: 0, join: 0, table: 0, read: 0, finish: 0 };
  let phaseAt = startedAt;
  const phaseEnds = (phase: ReplayPhase) => {
    const t = deps.now();
    phasesMs[phase] += t - phaseAt;
    phaseAt = t;
  };

  const replay = async (): Promise<void> => {
    await waitForIdleGroup(deps, id, options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS, notice, options.signal);
    if (options.signal?.aborted) return;

    const ends = await deps.admin.endOffsets();
    const committed = (await deps.admin.committedOffsets([deps.groupId])).get(deps.groupId) ?? new Map<number, bigint>();
    let requested: PartitionOffsets | undefined;
    if (!isPlanned(entry)) {
      const asked = parseReplayFrom(from);
      requested = requestedStarts(asked, ends) ?? (asked.kind === 'time' ? await deps.admin.offsetsAtTime(asked.at) : undefined);
    }
    const due = delayMs > 0 ? await deps.admin.offsetsAtTime(deps.now() - delayMs) : undefined;
    const plan = decidePositions({ entry, mode, delayMs, ends, committed, ...(requested ? { requested } : {}), ...(due ? { due } : {}) });
    for (const message of plan.notices) notice(message);
    ({ starts, targets, positions } = plan);

    phaseEnds('prepare');
    await deps.reader.join();
    joined = true;
    entry = plan.entry;
    if (plan.commitStarts) {
      await deps.reader.commit(starts);
      await saveOrFail(deps, entry, id);
    }

    phaseEnds('join');
    let known: Map<string, VersionStamp> | undefined;
    const table = decideTable(entry, mode, deps.now());
    if (table.kind === 'recreate') {
      notice(table.notice);
      const partitions = [...ends.high.keys()];
      await deps.forgetApplied?.(partitions);
      await deps.sink.recreate();
      await deps.forgetApplied?.(partitions);
      entry = table.entry;
      await saveOrFail(deps, entry, id);
      known = new Map();
    } else if (table.kind === 'read-versions') {
      known = await deps.sink.versions();
    }

    phaseEnds('table');
    runStartedAt = deps.now();
    let lastCheckpoint = runStartedAt;
    let checkpointing: Promise<void> = Promise.resolve();
    const report = () =>
      options.onProgress?.({ ...measureProgress(starts, targets, positions, deps.now() - runStartedAt), counts: { ...counts } });
    const checkpoint = async () => {
      checkMembers((await deps.admin.groupMembership([deps.groupId])).get(deps.groupId)?.members ?? 0, deps.groupId, id);
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
        for (const [i, slice] of sliceChunk(records, next, options.maxRatePerSec).entries()) {
          if (i > 0 && options.signal?.aborted) break;
          const pause = throttleDelayMs(counts.records + slice.records.length, deps.now() - runStartedAt, options.maxRatePerSec);
          if (pause > 0) await deps.sleep(pause);
          await applySlice(deps, slice.records, known, counts, fences);
          if (slice.reached > (positions.get(partition) ?? 0n)) positions.set(partition, slice.reached);
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
    phaseEnds('read');
    completed = reachedTargets(targets, positions);
    await checkpoint();
    // Once more at the hand-over: a claim a straggling invocation made while the table was being
    // rebuilt says nothing true; from here only batches delivered from these offsets claim.
    if (mode === 'rebuild') await deps.forgetApplied?.([...targets.keys()]);
    report();
  };

  try {
    await replay();
  } catch (error) {
    await letGo(deps, entry, joined, false).catch((cause: unknown) =>
      deps.log.warn('could not release the replay lease', { followerId: id, error: cause }),
    );
    throw error;
  }
  await letGo(deps, entry, joined, completed);
  phaseEnds('finish');
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
    phasesMs,
    notes,
  };
}

async function applySlice(
  deps: ReplayDeps,
  records: readonly LogRecord[],
  known: Map<string, VersionStamp> | undefined,
  counts: ReplayCounts,
  fences: Map<number, PassedFence[]>,
): Promise<void> {
  const { poison, fenced, passed, write } = decideChunk(records, known, (p) => fences.get(p) ?? []);
  for (const [p, list] of passed) fences.set(p, [...(fences.get(p) ?? []), ...list]);
  counts.fenced += fenced;
  for (const { record, reason } of poison) {
    deps.log.warn('poison record skipped by the replay', { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, reason });
  }
  counts.poison += poison.length;
  counts.records += records.length;
  if (write.kind === 'put') {
    if (write.events.length > 0) await deps.sink.putAll(write.events);
    for (const e of write.events) known?.set(e.key, stampOf(e));
    counts.written += write.events.length;
    counts.skipped += write.skipped;
    return;
  }
  const { applied, skipped } = write.events.length > 0 ? await deps.sink.applyNewest(write.events) : { applied: 0, skipped: 0 };
  counts.written += applied;
  counts.skipped += skipped + write.dropped;
}

async function waitForIdleGroup(
  deps: ReplayDeps,
  id: string,
  idleWaitMs: number,
  notice: (message: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const members = await waitForEmptyGroup({
    admin: deps.admin,
    groupId: deps.groupId,
    waitMs: idleWaitMs,
    now: deps.now,
    sleep: deps.sleep,
    onWaiting: (count) => notice(`waiting for ${id}'s live consumer to leave ${deps.groupId} (${count} member(s))`),
    ...(signal ? { signal } : {}),
  });
  if (members > 0 && !signal?.aborted) {
    throw new ConflictError(
      `${deps.groupId} still has ${members} live member(s) after ${Math.round(idleWaitMs / 1000)}s. Stop follower ${id} first ` +
        `(AWS: disable its event source mapping; locally a running replog stops it by itself within a second, ` +
        `a separate \`replog follower --id ${id}\` too), then run the replay again.`,
    );
  }
}

async function saveOrFail(deps: ReplayDeps, entry: ReplayJournalEntry, id: string): Promise<void> {
  if (!(await deps.journal.save(entry))) {
    throw new ConflictError(`the replay of ${id} lost its lease to another run (a checkpoint was more than ${REPLAY_LEASE_MS / 1000}s late)`);
  }
}

/** Leave the group, then remove the journal or release its lease (replay-decisions.ts, decideRelease). */
async function letGo(deps: ReplayDeps, entry: ReplayJournalEntry, joined: boolean, completed: boolean): Promise<void> {
  if (joined) await deps.reader.leave();
  const release = decideRelease(entry, completed);
  if (release.kind === 'remove') await deps.journal.remove(entry.followerId, entry.owner);
  else await deps.journal.save(release.entry);
}

function fenceBook(terms: readonly TermStart[]): Map<number, PassedFence[]> {
  const book = new Map<number, PassedFence[]>();
  for (const t of terms) {
    for (const [p, offset] of Object.entries(t.fence)) book.set(Number(p), [...(book.get(Number(p)) ?? []), { term: t.term, offset }]);
  }
  return book;
}
