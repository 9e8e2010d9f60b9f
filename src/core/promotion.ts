import type { FollowerEntry } from './control-state';

export interface CandidateView {
  id: string;
  healthy: boolean;
  /** Events the follower has not yet committed, summed over partitions. */
  lag: number;
}

/**
 * PostgreSQL `FIRST n` style choice: among healthy followers other than the failed one, the most
 * caught up wins; equally caught-up followers are ordered by configured priority.
 */
export function pickPromotionCandidate(
  followers: readonly FollowerEntry[],
  views: ReadonlyMap<string, CandidateView>,
  exclude: ReadonlySet<string>,
): string | undefined {
  const ranked = followers
    .filter((f) => f.delayMs === 0 && !exclude.has(f.id) && views.get(f.id)?.healthy === true)
    .map((f) => ({ f, lag: views.get(f.id)?.lag ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.lag - b.lag || a.f.priority - b.f.priority);
  return ranked[0]?.f.id;
}
