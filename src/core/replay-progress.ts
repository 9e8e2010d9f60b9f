import type { PartitionOffsets } from './replay-plan';

export interface ReplayProgress {
  /** Log positions this run has to cover (sum over partitions of target − start). */
  total: number;
  /** Log positions covered so far. Compaction leaves gaps, so records read can be fewer. */
  done: number;
  remaining: number;
  elapsedMs: number;
  /** Positions per second since this run started. */
  ratePerSec: number;
  /** Estimated time to the targets at the current rate; undefined until there is a rate. */
  etaMs: number | undefined;
}

/**
 * Progress of a replay in log positions, from the per-partition start, target and current
 * position. Measuring positions rather than records keeps the total exact from the end offsets
 * alone, before a single record is read.
 */
export function measureProgress(
  starts: PartitionOffsets,
  targets: PartitionOffsets,
  positions: PartitionOffsets,
  elapsedMs: number,
): ReplayProgress {
  let total = 0n;
  let done = 0n;
  for (const [partition, start] of starts) {
    const target = targets.get(partition) ?? start;
    if (target <= start) continue;
    total += target - start;
    const at = positions.get(partition) ?? start;
    let reached = at;
    if (reached > target) reached = target;
    if (reached > start) done += reached - start;
  }
  const remaining = total - done;
  const seconds = elapsedMs / 1000;
  const ratePerSec = seconds > 0 ? Number(done) / seconds : 0;
  const etaMs = remaining === 0n ? 0 : ratePerSec > 0 ? (Number(remaining) / ratePerSec) * 1000 : undefined;
  return { total: Number(total), done: Number(done), remaining: Number(remaining), elapsedMs, ratePerSec, etaMs };
}

/**
 * How long to pause so that `done` units over `elapsedMs` stay within `maxPerSec`; 0 when under
 * the limit. Used by `--max-rate` to protect a table's write capacity during a replay.
 */
export function throttleDelayMs(done: number, elapsedMs: number, maxPerSec: number | undefined): number {
  if (maxPerSec === undefined || maxPerSec <= 0) return 0;
  const earliest = (done / maxPerSec) * 1000;
  return earliest > elapsedMs ? Math.ceil(earliest - elapsedMs) : 0;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
