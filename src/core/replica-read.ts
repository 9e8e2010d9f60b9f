import { ValidationError } from './errors';
import type { ItemLister, ItemPage, ItemReader, StoredItem } from './ports';
import type { FollowerProgress } from './replication-inspector';
import { holdsAtLeast } from './versions';

/**
 * Reads with a chosen freshness: the leader (always current), a named follower, or `any` healthy
 * follower; `minVersion` turns a follower read into read-your-writes by waiting for the follower
 * to hold that version and falling back to the leader when it does not in time.
 */
export type ReplicaTarget = { kind: 'leader' } | { kind: 'any' } | { kind: 'follower'; id: string };

export function parseReplicaTarget(raw: string | undefined): ReplicaTarget {
  if (raw === undefined || raw === 'leader') return { kind: 'leader' };
  if (raw === 'any') return { kind: 'any' };
  return { kind: 'follower', id: raw };
}

export type ReplicaCandidate = Pick<FollowerProgress, 'id' | 'healthy' | 'delayMs' | 'lag' | 'applyLagMs'>;

/**
 * `replica=any`: a healthy follower with the least lag in events. Delayed followers are stale on
 * purpose and never qualify. Equally lagging followers share the reads at random, so a group of
 * caught-up followers spreads the load instead of piling it on the first one.
 */
export function pickReadReplica(candidates: readonly ReplicaCandidate[], random: () => number): ReplicaCandidate | undefined {
  // A follower whose lag could not be read is never healthy; the null check only says so to the compiler.
  const eligible = candidates.filter((c) => c.healthy && c.delayMs === 0 && c.lag.events !== null);
  if (eligible.length === 0) return undefined;
  const least = Math.min(...eligible.map((c) => c.lag.events ?? Number.POSITIVE_INFINITY));
  const tied = eligible.filter((c) => c.lag.events === least);
  return tied[Math.min(tied.length - 1, Math.floor(random() * tied.length))];
}

export interface ReplicaReadDeps {
  leader: ItemReader & ItemLister;
  follower: (id: string) => ItemReader & ItemLister;
  followerIds: () => Promise<readonly string[]>;
  /** The current replication view (cached by the caller); may fail when the log is unreachable. */
  views: () => Promise<readonly ReplicaCandidate[]>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export type FallbackReason = 'min-version-timeout' | 'no-healthy-follower' | 'replication-state-unavailable';

export interface ReadFallback {
  /** The follower that was asked first, or null when none could be chosen. */
  from: string | null;
  reason: FallbackReason;
  waitedMs: number;
  message: string;
}

export interface ServedBy {
  /** `leader` or the follower id that answered. */
  replica: string;
  /** The answering follower's lag when the replication view was available. */
  lag?: { events: number; ms: number };
  fallback?: ReadFallback;
}

export interface ReadOutcome extends ServedBy {
  item: StoredItem | undefined;
}

export interface ReadRequest {
  key: string;
  target: ReplicaTarget;
  minVersion?: number;
  maxWaitMs: number;
}

/** Between polls of the follower while waiting for a version: quick at first, then capped. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

export async function readItem(deps: ReplicaReadDeps, request: ReadRequest): Promise<ReadOutcome> {
  const started = deps.now();
  const served = await resolveReplica(deps, request.target);
  if (served.replica === 'leader') return { ...served, item: await deps.leader.get(request.key) };
  const reader = deps.follower(served.replica);
  if (request.minVersion === undefined) return { ...served, item: await reader.get(request.key) };

  const deadline = started + request.maxWaitMs;
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    const item = await reader.get(request.key);
    if (holdsAtLeast(item, request.minVersion)) return { ...served, item };
    const left = deadline - deps.now();
    if (left <= 0) break;
    await deps.sleep(Math.min(pause, left));
  }
  const waitedMs = deps.now() - started;
  return {
    replica: 'leader',
    item: await deps.leader.get(request.key),
    fallback: {
      from: served.replica,
      reason: 'min-version-timeout',
      waitedMs,
      message: `${served.replica} did not hold version ${request.minVersion} within ${request.maxWaitMs} ms; the leader answered`,
    },
  };
}

export interface ListRequest {
  target: ReplicaTarget;
  limit: number;
  cursor?: string;
}

export async function listItems(deps: ReplicaReadDeps, request: ListRequest): Promise<ServedBy & { page: ItemPage }> {
  const served = await resolveReplica(deps, request.target);
  const lister = served.replica === 'leader' ? deps.leader : deps.follower(served.replica);
  const page = await lister.listItems({ limit: request.limit, ...(request.cursor === undefined ? {} : { cursor: request.cursor }) });
  return { ...served, page };
}

async function resolveReplica(deps: ReplicaReadDeps, target: ReplicaTarget): Promise<ServedBy> {
  if (target.kind === 'leader') return { replica: 'leader' };
  const started = deps.now();
  if (target.kind === 'follower') {
    const ids = await deps.followerIds();
    if (!ids.includes(target.id)) {
      throw new ValidationError('BAD_QUERY', `replica must be leader, any or a replica id (${ids.join(', ')})`);
    }
    // The lag is informative only: a named follower is read even when the view cannot be had.
    const view = await deps.views().then(
      (views) => views.find((v) => v.id === target.id),
      () => undefined,
    );
    const lag = view === undefined ? undefined : lagOf(view);
    return { replica: target.id, ...(lag ? { lag } : {}) };
  }
  let views: readonly ReplicaCandidate[];
  try {
    views = await deps.views();
  } catch (error) {
    return leaderInstead(null, 'replication-state-unavailable', started, deps, `no follower could be chosen: ${(error as Error).message}`);
  }
  const chosen = pickReadReplica(views, deps.random);
  if (!chosen) return leaderInstead(null, 'no-healthy-follower', started, deps, 'no follower is healthy; the leader answered');
  const lag = lagOf(chosen);
  return { replica: chosen.id, ...(lag ? { lag } : {}) };
}

function leaderInstead(from: string | null, reason: FallbackReason, started: number, deps: ReplicaReadDeps, message: string): ServedBy {
  return { replica: 'leader', fallback: { from, reason, waitedMs: deps.now() - started, message } };
}

/** No lag headers for a follower whose lag could not be read: a guess would read as a measurement. */
function lagOf(view: ReplicaCandidate): { events: number; ms: number } | undefined {
  const { events } = view.lag;
  const ms = view.applyLagMs.current;
  return events === null || ms === null ? undefined : { events, ms };
}
