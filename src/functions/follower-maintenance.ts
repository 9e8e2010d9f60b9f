import { LEASE_MARGIN_MS } from '../core/publish-order';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { BulkFollowerWriter } from '../adapters/dynamodb/bulk-follower-writer';
import { DynamoFollowerRepairer } from '../adapters/dynamodb/follower-repairer';
import { DynamoReplicaScanner } from '../adapters/dynamodb/replica-scanner';
import { leaderTableDefinition } from '../adapters/dynamodb/table-definitions';
import { dropTable } from '../adapters/dynamodb/table-lifecycle';
import { ensureTables } from '../adapters/dynamodb/table-provisioner';
import { KafkaReplayReader } from '../adapters/kafka/replay-reader';
import { withFollowerAdded, withFollowerRemoved } from '../core/control-state';
import { waitForEmptyGroup } from '../core/empty-group';
import { ConflictError, NotFoundError } from '../core/errors';
import { runReplay, type ReplayOptions, type ReplaySummary } from '../core/replay';
import { leaseIsHeld } from '../core/replay-journal';
import { verifyFollower, type VerifyOptions, type VerifyReport } from '../core/verify';
import type { Runtime } from './runtime';

/**
 * Follower maintenance wired to the real adapters: replay, verify, add and remove. The CLI runs
 * these; `replog bench` reuses `replayFollower` for its replay-rate measurement.
 */

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ReplayTuning {
  /** BatchWriteItem calls in flight during a rebuild. */
  writeConcurrency?: number;
  /** Records per chunk handed from the log to the table writer. */
  chunkRecords?: number;
}

export function replayOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export async function replayFollower(rt: Runtime, options: ReplayOptions, tuning: ReplayTuning = {}): Promise<ReplaySummary> {
  const id = options.followerId;
  const groupId = rt.config.groupId(id);
  const log = rt.log(`replay:${id}`);
  const reader = new KafkaReplayReader(rt.kafka, {
    groupId,
    topic: rt.config.topic,
    log,
    ...(tuning.chunkRecords ? { chunkRecords: tuning.chunkRecords } : {}),
  });
  const sink = new BulkFollowerWriter(rt.replicaClient(id), rt.followerTable(id), { concurrency: tuning.writeConcurrency ?? 16 });
  try {
    return await runReplay(
      {
        admin: rt.admin,
        reader,
        sink,
        journal: rt.replayJournal,
        control: () => rt.roster.refresh(),
        groupId,
        owner: replayOwner(),
        log,
        now: Date.now,
        sleep,
        // Always, whatever REPLOG_CONFIRM_FROM says now: records written while it said applied-record outlive the setting.
        forgetApplied: (partitions) => rt.appliedRecords.forgetApplied(id, partitions),
      },
      options,
    );
  } finally {
    await reader.leave();
  }
}

export async function verifyFollowerTable(
  rt: Runtime,
  options: Omit<VerifyOptions, 'settleMs'> & { settleMs?: number },
): Promise<VerifyReport> {
  const id = options.followerId;
  const state = await rt.roster.refresh();
  const entry = state.followers.find((f) => f.id === id);
  if (!entry) throw new NotFoundError(`${id} is not a follower (${state.followers.map((f) => f.id).join(', ')})`);
  const table = rt.config.tables.replica(id);
  // The replica that leads now is the one compared against, wherever its store is.
  const leaderId = state.leadership.replica;
  const leaderStore = rt.leaderStore(leaderId);
  return verifyFollower(
    {
      leader: { scanner: new DynamoReplicaScanner(rt.replicaClient(leaderId), leaderStore.table), get: (key) => leaderStore.get(key) },
      follower: { scanner: new DynamoReplicaScanner(rt.replicaClient(id), table), get: (key) => rt.followerTable(id).get(key) },
      repairer: new DynamoFollowerRepairer(rt.replicaClient(id), table),
      publisher: rt.orderedFor(leaderId),
      staleLeaseMs: rt.config.publishTimeoutMs + LEASE_MARGIN_MS,
      admin: rt.admin,
      groupId: rt.config.groupId(id),
      log: rt.log(`verify:${id}`),
      now: Date.now,
      sleep,
    },
    // A delayed follower legitimately lacks what is younger than its delay.
    { ...options, settleMs: options.settleMs ?? 10_000 + entry.delayMs },
  );
}

export interface AddFollowerOptions extends Pick<ReplayOptions, 'signal' | 'onProgress' | 'onNotice' | 'maxRatePerSec'> {
  followerId: string;
  delayMs: number;
  /**
   * False registers without replaying: for a follower whose consumer has already filled its table
   * (in AWS, a new event source mapping starts its group at TRIM_HORIZON and catches up by itself).
   */
  replay?: boolean;
}

/**
 * Registers a new follower the safe way round: its table and consumer group are filled first (a
 * rebuild from earliest, which hands its offsets over), and only then is it added to the control
 * state as async, so `sync` acknowledgements never wait for a follower that is still replaying.
 * Interrupted, running it again resumes the replay.
 */
export async function addFollower(
  rt: Runtime,
  options: AddFollowerOptions,
): Promise<{ replay: ReplaySummary | undefined; registered: boolean }> {
  const id = options.followerId;
  const state = await rt.roster.refresh();
  if (state.followers.some((f) => f.id === id)) throw new ConflictError(`${id} is already a follower`);
  // Refused before the table is created: another `follower add` of this id is replaying right now.
  const journal = await rt.replayJournal.load(id);
  if (journal && leaseIsHeld(journal, Date.now())) throw new ConflictError(`${id} is being added by another run (${journal.owner}); wait for it`);
  // A follower of this id removed earlier may have left applied records about a table that is gone.
  await forgetAppliedRecords(rt, id);
  await ensureTables(rt.replicaClient(id), [leaderTableDefinition(rt.config.tables.replica(id))]);
  if (options.replay === false) {
    await rt.roster.update((s) => withFollowerAdded(s, id, options.delayMs, Date.now()));
    return { replay: undefined, registered: true };
  }
  const replay = await replayFollower(rt, {
    followerId: id,
    from: { kind: 'earliest' },
    rebuild: true,
    unregistered: true,
    delayMs: options.delayMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.maxRatePerSec ? { maxRatePerSec: options.maxRatePerSec } : {}),
  });
  if (!replay.completed) return { replay, registered: false };
  await rt.roster.update((s) => withFollowerAdded(s, id, options.delayMs, Date.now()));
  return { replay, registered: true };
}

async function forgetAppliedRecords(rt: Runtime, id: string): Promise<void> {
  const { high } = await rt.admin.endOffsets();
  await rt.appliedRecords.forgetApplied(id, [...high.keys()]);
}

export interface RemoveFollowerResult {
  groupDeleted: boolean;
  /** Members still in the group after the wait (a follower process or event source mapping still running). */
  liveMembers: number;
  tableDropped: boolean;
}

/**
 * Unregisters a follower (never the sync follower: designate another first), then deletes its
 * consumer group once its consumer has left, and its table when asked to.
 */
export async function removeFollower(
  rt: Runtime,
  options: { followerId: string; dropTable: boolean; idleWaitMs?: number; onNotice?: (message: string) => void },
): Promise<RemoveFollowerResult> {
  const id = options.followerId;
  const journal = await rt.replayJournal.load(id);
  if (journal && leaseIsHeld(journal, Date.now())) throw new ConflictError(`a replay of ${id} is running (${journal.owner}); stop it first`);
  await rt.roster.update((s) => withFollowerRemoved(s, id, Date.now()));
  await rt.replayJournal.remove(id);
  // Not a confirmer any more, and its table may be dropped: its applied records go first.
  await forgetAppliedRecords(rt, id);

  const groupId = rt.config.groupId(id);
  const members = await waitForEmptyGroup({
    admin: rt.admin,
    groupId,
    waitMs: options.idleWaitMs ?? 30_000,
    now: Date.now,
    sleep,
    onWaiting: () => options.onNotice?.(`waiting for ${id}'s consumer to leave ${groupId}`),
  });
  if (members === 0) await rt.admin.deleteGroup(groupId);
  const tableDropped = options.dropTable ? await dropTable(rt.replicaClient(id), rt.config.tables.replica(id)) : false;
  return { groupDeleted: members === 0, liveMembers: members, tableDropped };
}
