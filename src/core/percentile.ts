/**
 * Nearest-rank percentile of an ascending array (the definition PostgreSQL's and most dashboards'
 * p99 use): the smallest value with at least q·n values at or below it. 0 for an empty array.
 */
export function percentileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(sorted.length * q)));
  return sorted[rank - 1] ?? 0;
}
