import type { AckMode } from './ack-mode';

/**
 * Which replica may lead once the leader's store is lost (docs/ARCHITECTURE.md, "Unplanned
 * failover"): only one that holds every acknowledged write, judged by what each mode's
 * acknowledgement proves, not by hope.
 * - semi-sync: the sync follower. Every acknowledged write was committed by it, so it holds them
 *   all even if the log were lost, and it is caught up already.
 * - sync: any sync-capable follower: each confirmed every acknowledged write.
 * - quorum:K: a follower whose committed offset in every partition is at least the K-th highest
 *   of all followers' there. Every acknowledged write at offset X was confirmed by K followers, so
 *   the K-th highest committed offset is past X; a follower at or beyond it has applied X.
 * - async: acknowledgements prove only that the log holds the write; a follower qualifies once its
 *   committed offsets reached the log end as it was when the leader was lost.
 * In every mode the winner then applies the log up to the new term's fence before it takes writes.
 */
export interface CandidateView {
  id: string;
  delayMs: number;
  /** Its store answers and its consumer is live (replication-inspector's health, not a guess). */
  healthy: boolean;
  /** A replica that led a term and has not been rewound since must not lead again first. */
  needsRewind: boolean;
  committed: ReadonlyMap<number, bigint>;
  priority: number;
}

export type ElectionOutcome =
  | { kind: 'elect'; candidate: string; reason: string }
  | { kind: 'none'; reason: string };

export function electLeader(input: {
  mode: AckMode;
  failedLeader: string;
  syncFollower: string | null;
  candidates: readonly CandidateView[];
  /** Log end offsets as they were when the leader was declared failed. */
  logEnd: ReadonlyMap<number, bigint>;
}): ElectionOutcome {
  const pool = input.candidates.filter((c) => c.id !== input.failedLeader && c.delayMs === 0);
  const usable = pool.filter((c) => c.healthy && !c.needsRewind);
  const byPriority = (a: CandidateView, b: CandidateView) => a.priority - b.priority;
  const explainMissing = (who: string) => {
    const c = pool.find((p) => p.id === who);
    if (c === undefined) return `${who} is not a replica that can lead`;
    if (c.needsRewind) return `${who} must be rewound before it can lead`;
    return `${who} is not reachable or not consuming`;
  };
  switch (input.mode.kind) {
    case 'semi-sync': {
      const sync = input.syncFollower;
      if (sync === null) return { kind: 'none', reason: 'there is no sync follower, so no replica is known to hold every acknowledged write' };
      if (!usable.some((c) => c.id === sync)) {
        return { kind: 'none', reason: `semi-sync: only the sync follower ${sync} holds every acknowledged write, and ${explainMissing(sync)}` };
      }
      return { kind: 'elect', candidate: sync, reason: `semi-sync: ${sync} is the sync follower and confirmed every acknowledged write` };
    }
    case 'sync': {
      const chosen = [...usable].sort(byPriority)[0];
      if (chosen === undefined) return { kind: 'none', reason: 'sync: no sync-capable follower is reachable and consuming' };
      return { kind: 'elect', candidate: chosen.id, reason: `sync: ${chosen.id} confirmed every acknowledged write (first by priority)` };
    }
    case 'quorum': {
      const k = input.mode.k;
      const confirmedAll = usable.filter((c) => [...input.logEnd.keys()].every((p) => reaches(c, kthHighest(pool, p, k), p)));
      const chosen = [...confirmedAll].sort(byPriority)[0];
      if (chosen === undefined) {
        return { kind: 'none', reason: `quorum:${k}: no reachable follower is among the ${k} furthest in every partition` };
      }
      return { kind: 'elect', candidate: chosen.id, reason: `quorum:${k}: ${chosen.id} is among the ${k} furthest followers in every partition` };
    }
    case 'async': {
      const caughtUp = usable.filter((c) => [...input.logEnd].every(([p, end]) => reaches(c, end, p)));
      const chosen = [...caughtUp].sort(byPriority)[0];
      if (chosen === undefined) return { kind: 'none', reason: 'async: no reachable follower has applied the log up to where the leader left it yet' };
      return { kind: 'elect', candidate: chosen.id, reason: `async: ${chosen.id} applied the whole log the lost leader wrote` };
    }
  }
}

function reaches(candidate: CandidateView, offset: bigint | undefined, partition: number): boolean {
  if (offset === undefined) return true;
  return (candidate.committed.get(partition) ?? 0n) >= offset;
}

/** The K-th highest committed offset in a partition among every follower that confirms (reachable or not). */
function kthHighest(pool: readonly CandidateView[], partition: number, k: number): bigint | undefined {
  const offsets = pool.map((c) => c.committed.get(partition) ?? 0n).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  return offsets[k - 1];
}
