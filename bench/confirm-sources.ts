/**
 * Semi-sync write latency with each REPLOG_CONFIRM_FROM setting, side by side in one run: two
 * stacks (same broker, each its own store, topic and followers) take turns round by round, so a
 * shared machine's drift touches both alike. Run once per modelled commit delay
 * (REPLOG_FAULT_COMMIT_DELAY_MS: how long after a batch the local consumer commits, standing in
 * for the event source mapping's commit in Lambda).
 *
 *   npx tsx bench/confirm-sources.ts [--delays 0,50] [--concurrency 1,8] [--rounds 4] [--round-ms 4000]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchStack, benchRoot, runScript, startBenchStack } from './bench-stack';
import { LatencyHistogram } from './latency-histogram';
import { closedLoop } from './load-patterns';
import { settle } from './settle';
import { benchValue, randomKey } from './workload';
import { WriteClient } from './write-client';

const SETTINGS = ['committed-offset', 'applied-record'] as const;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function measure(kafkaBrokers: string): Promise<void> {
  const delays = arg('delays', '0,50').split(',').map(Number);
  const concurrencies = arg('concurrency', '1,8').split(',').map(Number);
  const rounds = Number(arg('rounds', '4'));
  const roundMs = Number(arg('round-ms', '4000'));
  const rows: string[] = [];
  const results: unknown[] = [];
  for (const delay of delays) {
    const stacks = new Map<string, BenchStack>();
    try {
      for (const setting of SETTINGS) {
        stacks.set(
          setting,
          await startBenchStack({
            label: `confirm-${setting === 'applied-record' ? 'ar' : 'co'}`,
            store: 'process',
            kafkaBrokers,
            env: { REPLOG_CONFIRM_FROM: setting, REPLOG_FAULT_COMMIT_DELAY_MS: String(delay) },
          }),
        );
      }
      for (const concurrency of concurrencies) {
        const acc = new Map(SETTINGS.map((s) => [s, { histogram: new LatencyHistogram(), completed: 0, failed: 0, degraded: 0 }]));
        for (let r = 0; r < rounds; r++) {
          for (const setting of SETTINGS) {
            const bench = stacks.get(setting) as BenchStack;
            await settle(bench.stack.runtime);
            const result = await closedLoop({
              client: new WriteClient(bench.url, concurrency, bench.env.REPLOG_API_KEY),
              ack: 'semi-sync',
              concurrency,
              warmupMs: 1000,
              measureMs: roundMs,
              keyOf: () => randomKey('c-', 1000),
              valueOf: benchValue,
            });
            const a = acc.get(setting) as NonNullable<ReturnType<typeof acc.get>>;
            a.histogram.add(result.histogram);
            a.completed += result.completed;
            a.failed += result.failed;
            a.degraded += result.degraded;
          }
        }
        for (const setting of SETTINGS) {
          const a = acc.get(setting) as NonNullable<ReturnType<typeof acc.get>>;
          const s = a.histogram.summary();
          const row = `| ${delay} | ${concurrency} | ${setting} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} | ${a.completed} | ${a.failed} | ${a.degraded} |`;
          rows.push(row);
          results.push({ commitDelayMs: delay, concurrency, setting, p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs, completed: a.completed, failed: a.failed, degraded: a.degraded });
          console.log(row);
        }
      }
    } finally {
      for (const bench of stacks.values()) await bench.stop();
    }
  }
  const table = ['| commit delay (ms) | clients | REPLOG_CONFIRM_FROM | p50 ms | p99 ms | max ms | acked | failed | degraded |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
  console.log(`\n${table}`);
  writeFileSync(join(benchRoot, 'results', 'run-confirm-sources.json'), `${JSON.stringify(results, null, 2)}\n`);
}

runScript(measure);
