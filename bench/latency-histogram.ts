import * as hdr from 'hdr-histogram-js';

/** Percentiles plotted in the chart and kept in the JSON (HDR-style: dense toward the tail). */
export const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100] as const;

export interface LatencySummary {
  count: number;
  meanMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** [percentile, ms] pairs for the distribution chart. */
  curve: Array<[number, number]>;
}

/**
 * Latencies are recorded in microseconds in an HDR histogram (3 significant digits, pure JS build:
 * no WebAssembly to load) and reported in milliseconds.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** Merges another histogram's samples into this one. */
  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentileMs(p: number): number {
    return this.histogram.getValueAtPercentile(p) / 1000;
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const ms = (us: number) => round(us / 1000);
    if (h.totalCount === 0) {
      return { count: 0, meanMs: 0, minMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, curve: [] };
    }
    return {
      count: h.totalCount,
      meanMs: ms(h.mean),
      minMs: ms(h.minNonZeroValue),
      p50Ms: ms(h.getValueAtPercentile(50)),
      p95Ms: ms(h.getValueAtPercentile(95)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      p999Ms: ms(h.getValueAtPercentile(99.9)),
      maxMs: ms(h.maxValue),
      curve: CURVE_PERCENTILES.map((p) => [p, ms(p === 0 ? h.minNonZeroValue : h.getValueAtPercentile(p))]),
    };
  }
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
