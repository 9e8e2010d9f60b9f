import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './latency-histogram';
import type { WriteClient, WriteOutcome } from './write-client';

export interface LoadResult {
  histogram: LatencyHistogram;
  /** Writes acknowledged with 200 inside the measured window. */
  completed: number;
  failed: number;
  /** 200s whose acknowledgement said it fell back to async (they are not counted as the mode's latency). */
  degraded: number;
  windowMs: number;
  /** Every request sent, warm-up included. */
  sent: number;
  firstError: string | undefined;
  outcomes: WriteOutcome[];
  /** Per stage of the acknowledged writes (the server's Server-Timing), plus `outside`: the client's time the server did not account for. */
  stages: Map<string, LatencyHistogram>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Closed loop: `concurrency` clients, each sending its next write as soon as the previous one is
 * answered. Requests started during the warm-up are discarded; the measured window follows it.
 */
export async function closedLoop(options: {
  client: WriteClient;
  ack: string;
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  keyOf: (n: number) => string;
  valueOf: (n: number) => unknown;
  onProgress?: (completed: number) => void;
  keepOutcomes?: boolean;
}): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  const result: LoadResult = {
    histogram,
    completed: 0,
    failed: 0,
    degraded: 0,
    windowMs: options.measureMs,
    sent: 0,
    firstError: undefined,
    outcomes: [],
    stages: new Map(),
  };
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const measureUntil = measureFrom + options.measureMs;
  let n = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= measureUntil) return;
      const i = n++;
      const outcome = await options.client.put(options.keyOf(i), options.valueOf(i), options.ack);
      if (sentAt < measureFrom) continue;
      record(result, outcome, options.keepOutcomes ?? false);
      options.onProgress?.(result.completed);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.sent = n;
  return result;
}

/**
 * Open loop: writes are offered at a fixed rate whatever the answers, as independent users would
 * send them; at most `maxOutstanding` may be in flight (more are counted as not sent).
 */
export async function openLoop(options: {
  client: WriteClient;
  ack: string;
  ratePerSec: number;
  durationMs: number;
  maxOutstanding: number;
  keyOf: (n: number) => string;
  valueOf: (n: number) => unknown;
  onProgress?: (sent: number) => void;
}): Promise<LoadResult & { offered: number; notSent: number }> {
  const histogram = new LatencyHistogram();
  const result = {
    histogram,
    completed: 0,
    failed: 0,
    degraded: 0,
    windowMs: options.durationMs,
    sent: 0,
    firstError: undefined as string | undefined,
    outcomes: [] as WriteOutcome[],
    stages: new Map<string, LatencyHistogram>(),
    offered: 0,
    notSent: 0,
  };
  const intervalMs = 1000 / options.ratePerSec;
  const total = Math.round((options.durationMs / 1000) * options.ratePerSec);
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    result.offered += 1;
    if (inFlight.size >= options.maxOutstanding) {
      result.notSent += 1;
      continue;
    }
    result.sent += 1;
    const p: Promise<void> = options.client.put(options.keyOf(i), options.valueOf(i), options.ack).then((outcome) => {
      record(result, outcome, false);
      inFlight.delete(p);
    });
    inFlight.add(p);
    options.onProgress?.(result.offered);
  }
  await Promise.all(inFlight);
  result.windowMs = performance.now() - start;
  return result;
}

function record(result: LoadResult, outcome: WriteOutcome, keep: boolean): void {
  if (keep) result.outcomes.push(outcome);
  if (outcome.status !== 200 || !outcome.body) {
    result.failed += 1;
    result.firstError ??= `${outcome.status}: ${outcome.error ?? ''}`;
    return;
  }
  if (outcome.body.ack.degraded) {
    result.degraded += 1;
    return;
  }
  result.completed += 1;
  result.histogram.recordMs(outcome.latencyMs);
  recordStages(result.stages, outcome);
}

function recordStages(stages: Map<string, LatencyHistogram>, outcome: WriteOutcome): void {
  const timing = outcome.serverTiming;
  if (!timing || timing.size === 0) return;
  const add = (name: string, ms: number) => {
    let h = stages.get(name);
    if (!h) {
      h = new LatencyHistogram();
      stages.set(name, h);
    }
    h.recordMs(ms);
  };
  for (const [name, ms] of timing) add(name, ms);
  // HTTP, the event loop's queue and the client itself: what no server stage covers.
  const total = timing.get('total');
  if (total !== undefined) add('outside', Math.max(0, outcome.latencyMs - total));
}

/** Merges `from`'s stage histograms into `into`. */
export function addStages(into: Map<string, LatencyHistogram>, from: Map<string, LatencyHistogram>): void {
  for (const [name, h] of from) {
    let mine = into.get(name);
    if (!mine) {
      mine = new LatencyHistogram();
      into.set(name, mine);
    }
    mine.add(h);
  }
}
