import { performance } from 'node:perf_hooks';
import { type StorePlacement, startBenchStack } from './bench-stack';
import { LatencyHistogram, type LatencySummary, round } from './latency-histogram';
import { benchValue } from './workload';
import { WriteClient } from './write-client';

export interface OutboxBurstResult {
  writes: number;
  clients: number;
  burstSec: number;
  writesPerSec: number;
  /** Answers: 200, 503 (committed on the leader, the relay's to publish) and anything else. */
  acknowledged: number;
  unpublished: number;
  failed: number;
  writeLatency: LatencySummary;
  /** Outbox marks in the leader's index: the most seen during the burst, and at its end. */
  marksPeak: number;
  marksAtEnd: number;
  /** From the burst's end until fewer than `underMarks` marks were left (undefined: never, within the wait). */
  underMarks: number;
  msToUnder: number | undefined;
  /** From the burst's end until no mark was left. */
  msToZero: number | undefined;
  /** How long the section waits for the marks after the burst. */
  afterWaitMs: number;
  /** Records in the section's own topic, and those beyond one per committed write: needless republishes. */
  logRecords: number;
  republishes: number;
  /** How long the section waited after the marks were gone (or the wait for them ended), so a relay pass would have had its turn. */
  relayWaitMs: number;
  /** Marks over time, for the chart in the JSON: ms since the burst started → marks. */
  samples: Array<{ atMs: number; marks: number; pendingRecords: number }>;
}

/** The target's bound: marks back under this within 5 s of the burst's end. */
const UNDER_MARKS = 1000;
const SAMPLE_DURING_MS = 2000;
const SAMPLE_AFTER_MS = 100;
const AFTER_DEADLINE_MS = 60_000;

/**
 * A burst of `writes` writes (async, a fresh key each, `clients` closed-loop clients) through the
 * HTTP API of a replog of its own (fresh topic and tables, the relay running as in `replog dev`),
 * counting the outbox marks in the leader's index during it and after, and the records the log
 * holds once the relay had a pass after the marks were gone: each committed write is one record,
 * anything more is a republish of something already in the log.
 */
export async function measureOutboxBurst(options: {
  store: StorePlacement;
  kafkaBrokers: string | undefined;
  writes: number;
  clients: number;
  onProgress?: (sent: number) => void;
}): Promise<OutboxBurstResult> {
  const bench = await startBenchStack({ label: 'outbox', store: options.store, kafkaBrokers: options.kafkaBrokers });
  const rt = bench.stack.runtime;
  const leader = rt.config.replicas.firstLeader;
  const index = rt.outboxIndexOf(leader);
  const ordered = rt.orderedFor(leader);
  const client = new WriteClient(bench.url, options.clients, bench.env.REPLOG_API_KEY);
  const samples: OutboxBurstResult['samples'] = [];
  const latency = new LatencyHistogram();
  try {
    const prefix = `burst-${Date.now().toString(36)}-`;
    const started = performance.now();
    let lastCountMs = 0;
    const sample = async () => {
      const at = performance.now();
      const marks = await index.countMarks();
      lastCountMs = performance.now() - at;
      samples.push({ atMs: round(at - started), marks, pendingRecords: ordered.pendingRecords });
      return marks;
    };
    // Counting tens of thousands of marks is itself store work: at most a quarter of the time goes to it.
    const pause = (least: number) => new Promise((r) => setTimeout(r, Math.max(least, 3 * lastCountMs)));
    let sent = 0;
    let acknowledged = 0;
    let unpublished = 0;
    let failed = 0;
    let bursting = true;
    const sampler = (async () => {
      while (bursting) {
        await sample();
        await pause(SAMPLE_DURING_MS);
      }
    })();
    const worker = async () => {
      while (sent < options.writes) {
        const n = sent++;
        const outcome = await client.put(`${prefix}${n}`, benchValue(n), 'async');
        if (outcome.status === 200) {
          acknowledged += 1;
          latency.recordMs(outcome.latencyMs);
        } else if (outcome.status === 503) unpublished += 1;
        else failed += 1;
        if (n % 500 === 0) options.onProgress?.(n);
      }
    };
    await Promise.all(Array.from({ length: options.clients }, worker));
    const endedAt = performance.now();
    bursting = false;
    await sampler;

    const marksAtEnd = await sample();
    let msToUnder: number | undefined = marksAtEnd < UNDER_MARKS ? 0 : undefined;
    let msToZero: number | undefined = marksAtEnd === 0 ? 0 : undefined;
    while (msToZero === undefined && performance.now() - endedAt < AFTER_DEADLINE_MS) {
      await pause(SAMPLE_AFTER_MS);
      const marks = await sample();
      const since = round(performance.now() - endedAt);
      if (msToUnder === undefined && marks < UNDER_MARKS) msToUnder = since;
      if (marks === 0) msToZero = since;
    }
    // A mark the relay took over would have been republished by now: its grace is counted from
    // the mark's commit, which is before the burst's end, and one interval gives it its pass.
    const relayWaitStarted = performance.now();
    const relayDeadline = endedAt + rt.config.relay.graceMs + 2 * rt.config.relay.intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, relayDeadline - performance.now())));
    const { high, low } = await rt.admin.endOffsets();
    let logRecords = 0;
    for (const [partition, end] of high) logRecords += Number(end - (low.get(partition) ?? 0n));
    const burstSec = (endedAt - started) / 1000;
    return {
      writes: options.writes,
      clients: options.clients,
      burstSec: round(burstSec),
      writesPerSec: round(options.writes / burstSec, 1),
      acknowledged,
      unpublished,
      failed,
      writeLatency: latency.summary(),
      marksPeak: Math.max(...samples.map((s) => s.marks)),
      marksAtEnd,
      underMarks: UNDER_MARKS,
      msToUnder,
      msToZero,
      afterWaitMs: AFTER_DEADLINE_MS,
      logRecords,
      republishes: Math.max(0, logRecords - acknowledged - unpublished),
      relayWaitMs: round(performance.now() - relayWaitStarted),
      samples,
    };
  } finally {
    client.close();
    await bench.stop();
  }
}
