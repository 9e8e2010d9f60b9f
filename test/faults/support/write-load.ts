/**
 * Concurrent writers against the HTTP API. Every answer is classified; an acknowledged write
 * (200) is remembered as key → highest acknowledged version, the promise the suite then checks.
 */
export interface LoadStats {
  attempted: number;
  acknowledged: number;
  byStatus: Record<string, number>;
  /** Requests that got no HTTP answer (the server process died or the connection broke). */
  noAnswer: number;
  maxLatencyMs: number;
  /**
   * The longest answer counting only the time the serving process could run (with `stalls`; else
   * equal to maxLatencyMs): replog's deadlines count running time (core/stall-meter.ts), so on a
   * starved machine a write may take its bound plus the time it stood still.
   */
  maxRunningLatencyMs: number;
  /**
   * The slowest answers, for "never hangs past a bound" checks: with the write's mode, its
   * Server-Timing stages (200s carry them) and, for a 200, how it was acknowledged, so a slow
   * answer says where its time went.
   */
  slowest: SlowAnswer[];
  acked: Map<string, number>;
  /** Where each acknowledged write says its event is in the log. */
  positions: { key: string; version: number; partition: number; offset: string }[];
  /** Every answer with when its request started and ended (epoch ms), for availability per fault. */
  timeline: { startedAt: number; endedAt: number; status: number; partition?: number }[];
  /** The bodies of the first answers that were not 200/404, to check what a refusal says. */
  refusals: { key: string; status: number; startedAt: number; ms: number; body: unknown }[];
}

export interface SlowAnswer {
  status: number;
  ms: number;
  ack: string;
  startedAt: number;
  /** Of `ms`, the time the serving process could not run. */
  stalledMs: number;
  timing?: string;
  acked?: unknown;
}

export interface LoadOptions {
  /** Where to send writes; read per request, so a restarted leader on a new port is picked up. */
  url: () => string | undefined;
  keys: number;
  /** Every write goes to a key never written before, so a skipped event shows as a missing key. */
  uniqueKeys?: boolean;
  workers: number;
  keyPrefix: string;
  /** Fraction of writes that are deletes (of keys that may or may not exist). */
  deleteRatio?: number;
  ackModes?: string[];
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
  /** The serving process's stall meter, when it runs in this one (the stack's `runtime.stalls`). */
  stalls?: { stalledSince(since: number): number };
}

export interface RunningLoad {
  stats: LoadStats;
  stop(): Promise<LoadStats>;
}

export function startWriteLoad(options: LoadOptions): RunningLoad {
  const stats: LoadStats = { attempted: 0, acknowledged: 0, byStatus: {}, noAnswer: 0, maxLatencyMs: 0, maxRunningLatencyMs: 0, slowest: [], acked: new Map(), positions: [], timeline: [], refusals: [] };
  let running = true;
  let seq = 0;
  const worker = async (w: number) => {
    while (running) {
      const base = options.url();
      if (base === undefined) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const n = seq++;
      const key = `${options.keyPrefix}${options.uniqueKeys ? n : Math.floor(Math.random() * options.keys)}`;
      const del = !options.uniqueKeys && Math.random() < (options.deleteRatio ?? 0);
      const modes = options.ackModes ?? ['async'];
      const ack = modes[Math.floor(Math.random() * modes.length)];
      const started = Date.now();
      stats.attempted += 1;
      try {
        const res = await fetch(`${base}/items/${encodeURIComponent(key)}?ack=${ack}`, {
          method: del ? 'DELETE' : 'PUT',
          headers: { 'content-type': 'application/json', ...options.headers },
          ...(del ? {} : { body: JSON.stringify({ n, w, at: started, pad: 'x'.repeat(n % 64) }) }),
          signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000),
        });
        const text = await res.text();
        const ms = Date.now() - started;
        stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
        const stalledMs = options.stalls?.stalledSince(started) ?? 0;
        stats.maxLatencyMs = Math.max(stats.maxLatencyMs, ms);
        stats.maxRunningLatencyMs = Math.max(stats.maxRunningLatencyMs, ms - stalledMs);
        const timing = res.headers.get('server-timing') ?? undefined;
        const answer: SlowAnswer = { status: res.status, ms, ack: ack ?? 'async', startedAt: started, stalledMs, ...(timing === undefined ? {} : { timing }) };
        stats.slowest.push(answer);
        if (stats.slowest.length > 50) {
          stats.slowest.sort((a, b) => b.ms - a.ms);
          stats.slowest.length = 20;
        }
        if (res.status === 200) {
          const body = JSON.parse(text) as { version: number; position: { partition: number; offset: string }; ack?: unknown };
          answer.acked = body.ack;
          stats.acknowledged += 1;
          stats.positions.push({ key, version: body.version, ...body.position });
          stats.acked.set(key, Math.max(stats.acked.get(key) ?? 0, body.version));
          stats.timeline.push({ startedAt: started, endedAt: started + ms, status: res.status, partition: body.position.partition });
        } else {
          stats.timeline.push({ startedAt: started, endedAt: started + ms, status: res.status });
          if (res.status !== 404 && stats.refusals.length < 500) {
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              // Not JSON: kept as text, which is itself worth seeing.
            }
            stats.refusals.push({ key, status: res.status, startedAt: started, ms, body });
          }
        }
      } catch {
        stats.noAnswer += 1;
        // A dead server refuses connections instantly; do not spin while it restarts.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const workers = Array.from({ length: options.workers }, (_, w) => worker(w));
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(workers);
      stats.slowest.sort((a, b) => b.ms - a.ms);
      return stats;
    },
  };
}
