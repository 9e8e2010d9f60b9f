import { type ControlState, withRejoined, withRewindClaimed } from '../core/control-state';
import { ConflictError, UnavailableError } from '../core/errors';
import type { ControlStore, FollowerRepairer, ItemReader, Log, ReplicaScanner, StoredItem } from '../core/ports';
import { type ReplicaItemView, viewOf } from '../core/replica-diff';
import type { LogPosition } from '../core/positions';
import { decideRewind, type RewindDecision } from '../core/rewind';
import { isSameVersion, stampOf, termOf } from '../core/versions';
import type { TermStart } from '../core/leadership';
import { publishedKey, type TermLog } from '../core/term-log';
import { casStep, loadState } from './leader-move-steps';

export interface RejoinDeps {
  control: ControlStore;
  /** The deposed replica's own table: read whole, then repaired item by item. */
  replica: { scanner: ReplicaScanner; reader: ItemReader; repairer: FollowerRepairer };
  /** The replica that leads now, read item by item for what to put back. */
  leader: (id: string) => ItemReader & { scanner: ReplicaScanner };
  /**
   * Where the log carries the term's versions: a store that died right after a publish never
   * recorded it on the item, and such a version must not be reported as never published.
   */
  termLog: TermLog;
  /** The log's first offsets, where the first term's records begin. */
  logStart: () => Promise<ReadonlyMap<number, bigint>>;
  log: Log;
  now: () => number;
}

/** One item the rewind changed or flagged: what the deposed leader held, and what it holds now. */
export interface RewoundItem {
  key: string;
  /** What the deposed leader held: committed under a term it led, never acknowledged. */
  held: { term: number; version: number; deleted: boolean; published: LogPosition | null };
  /** What it holds after the rewind: the new leader's version (null: the key was removed). */
  now: { term: number; version: number; deleted: boolean } | null;
  why: Extract<RewindDecision, { action: 'revert' | 'flag' }>['why'];
}

export interface RejoinReport {
  replica: string;
  leader: string;
  leaderTerm: number;
  /** The terms the replica led that the rewind judged its items by. */
  termsLed: number[];
  scanned: number;
  /** Committed on the deposed leader under a term it led, never in the log before that term ended: reverted. */
  reverted: RewoundItem[];
  /** Kept items whose publish lease (outbox mark) was left open: the mark is dropped, the version stays. */
  marksCleared: number;
  /** In the log before the term ended yet not on the new leader: left as they are, for an operator. */
  flagged: RewoundItem[];
  durationMs: number;
  revision: number;
}

/** How often an item that moved while it was being rewound is judged again before the rejoin gives up. */
const ATTEMPTS_PER_ITEM = 5;

/**
 * Brings a deposed leader back as a follower (`replog rejoin`, docs/ARCHITECTURE.md, "Rejoin with
 * rewind"), as pg_rewind does for a former primary: every item it holds under a term it led is
 * judged against the new leader (core/rewind.ts); what never reached the log before that term's
 * fence was never acknowledged and is put back to the leader's state, and reported key by key.
 * Every repair is conditional on the item still being what was judged. Then the replica follows
 * again and its consumer applies the new terms from where it stopped.
 */
export async function rejoinReplica(deps: RejoinDeps, replica: string, by: string): Promise<RejoinReport> {
  const began = deps.now();
  const before = await loadState(deps.control);
  const pending = before.rewinding.find((r) => r.replica === replica);
  if (pending === undefined) {
    const role = before.leadership.replica === replica ? `it leads term ${before.leadership.term}` : before.followers.some((f) => f.id === replica) ? 'it follows already' : 'it is not a replica';
    throw new ConflictError(`${replica} is not waiting for a rewind: ${role}`);
  }
  if (before.leadership.state !== 'active') throw new UnavailableError(`leadership is moving (${before.leadership.state}); rejoin ${replica} once it has moved`);
  const claimed = withRewindClaimed(before, replica, by, deps.now());
  if (!(await deps.control.replace(before.revision, claimed))) throw new ConflictError('the control state changed as the rewind began; ask again');
  const state = claimed;
  const leaderId = state.leadership.replica;
  const leader = deps.leader(leaderId);
  const context = { replica, terms: state.terms };
  const termsLed = state.terms.filter((t) => t.leader === replica).map((t) => t.term);

  const held = await deps.replica.scanner.scan();
  const leaderViews = await leader.scanner.scan();
  await findUnrecordedPublishes(deps, state.terms, termsLed, held, leaderViews);
  const reverted: RewoundItem[] = [];
  const flagged: RewoundItem[] = [];
  let marksCleared = 0;
  for (const [key, view] of held) {
    if (!termsLed.includes(termOf(view))) continue;
    const outcome = await rewindItem(deps, leader, context, key, view, leaderViews.get(key));
    if (outcome.kind === 'reverted') reverted.push(outcome.item);
    else if (outcome.kind === 'flagged') flagged.push(outcome.item);
    else if (outcome.kind === 'cleared') marksCleared++;
  }
  for (const item of flagged) deps.log.error('a version in the log before its term ended is not on the new leader; left as it is', { replica, ...item });
  const after = await casStep(deps.control, (s: ControlState) => withRejoined(s, replica, deps.now()));
  const report: RejoinReport = {
    replica,
    leader: leaderId,
    leaderTerm: state.leadership.term,
    termsLed,
    scanned: held.size,
    reverted: reverted.sort((a, b) => a.key.localeCompare(b.key)),
    marksCleared,
    flagged,
    durationMs: deps.now() - began,
    revision: after.revision,
  };
  deps.log.warn('rejoined after rewind', { replica, leader: leaderId, reverted: reverted.length, flagged: flagged.length, marksCleared, scanned: held.size });
  return report;
}

/**
 * Fills in, from the log, where versions of the terms the replica led were published when the
 * item does not say (its store died before the record), for the items that differ from the
 * leader: only those need the answer.
 */
async function findUnrecordedPublishes(
  deps: RejoinDeps,
  terms: readonly TermStart[],
  termsLed: readonly number[],
  held: Map<string, ReplicaItemView>,
  leaderViews: ReadonlyMap<string, ReplicaItemView>,
): Promise<void> {
  const doubtful = [...held].filter(([key, view]) => {
    if (!termsLed.includes(termOf(view)) || view.published !== undefined) return false;
    const l = leaderViews.get(key);
    return !(l !== undefined && isSameVersion(l, view) && l.deleted === view.deleted && l.digest === view.digest);
  });
  for (const term of new Set(doubtful.map(([, view]) => termOf(view)))) {
    const start = terms.find((t) => t.term === term);
    const next = terms.find((t) => t.term === term + 1);
    if (start === undefined || next === undefined) continue;
    const fenceMap = (fence: Record<string, string>) => new Map(Object.entries(fence).map(([p, o]) => [Number(p), BigInt(o)] as const));
    const from = Object.keys(start.fence).length > 0 ? fenceMap(start.fence) : await deps.logStart();
    const keys = new Set(doubtful.filter(([, view]) => termOf(view) === term).map(([key]) => key));
    const positions = await deps.termLog.published({ term, from, until: fenceMap(next.fence), keys });
    for (const key of keys) {
      const view = held.get(key);
      const at = view === undefined ? undefined : positions.get(publishedKey(key, view));
      if (view !== undefined && at !== undefined) held.set(key, { ...view, published: at });
    }
  }
}

type ItemOutcome = { kind: 'kept' } | { kind: 'cleared' } | { kind: 'reverted'; item: RewoundItem } | { kind: 'flagged'; item: RewoundItem };

async function rewindItem(
  deps: RejoinDeps,
  leader: ItemReader,
  context: Parameters<typeof decideRewind>[2],
  key: string,
  first: ReplicaItemView,
  firstLeaderView: ReplicaItemView | undefined,
): Promise<ItemOutcome> {
  let view: ReplicaItemView | undefined = first;
  let leaderView = firstLeaderView;
  for (let attempt = 0; attempt < ATTEMPTS_PER_ITEM; attempt++) {
    if (view === undefined) return { kind: 'kept' };
    const seen = stampOf(view);
    const decision = decideRewind(
      { key, term: termOf(view), version: view.version, deleted: view.deleted, digest: view.digest, ...(view.published ? { published: view.published } : {}) },
      leaderView === undefined ? undefined : { term: termOf(leaderView), version: leaderView.version, deleted: leaderView.deleted, digest: leaderView.digest },
      context,
    );
    const heldAs = { term: termOf(view), version: view.version, deleted: view.deleted, published: view.published ?? null };
    if (decision.action === 'flag') return { kind: 'flagged', item: { key, held: heldAs, now: null, why: decision.why } };
    if (decision.action === 'keep') {
      // The version stays; an open publish lease on it would have a later relay republish it as this replica's.
      if (view.inFlight !== true) return { kind: 'kept' };
      const item = await deps.replica.reader.get(key);
      if (item !== undefined && (await deps.replica.repairer.overwrite(item, seen))) return { kind: 'cleared' };
    } else {
      const target = await leader.get(key);
      const done = target === undefined ? await deps.replica.repairer.remove(key, seen) : await deps.replica.repairer.overwrite(target, seen);
      const now = target === undefined ? null : { term: termOf(target), version: target.version, deleted: target.deleted };
      if (done) return { kind: 'reverted', item: { key, held: heldAs, now, why: decision.why } };
    }
    // The item moved between the scan and the repair (a deposed writer's last commit): judge what both hold now.
    view = heldView(await deps.replica.reader.get(key));
    leaderView = heldView(await leader.get(key));
  }
  throw new UnavailableError(`${key} kept changing while it was rewound; run the rejoin again`);
}

/** An item as the rewind compares it; where it was published is not on the item, so it counts as unknown. */
function heldView(item: StoredItem | undefined): ReplicaItemView | undefined {
  if (item === undefined) return undefined;
  return { ...viewOf(item), ...(item.outboxAt === undefined ? {} : { inFlight: true }) };
}
