/**
 * Write latency and throughput with one store process for every replica (the benchmark's
 * definition, as `replog dev` runs without --separate-stores) against a store process per replica
 * (`npm start`, i.e. `replog dev --separate-stores`, and DynamoDB's shape: each replica's table is
 * served on its own), side by
 * side in one run: two stacks (same broker, each its own stores, topic and followers) take turns
 * round by round, so a shared machine's drift touches both alike. It tells how much of a write's
 * time is its commit queueing behind the previous writes' replication on one store thread.
 * Per cell: client p50/p99, the Server-Timing stages' p50, writes/s, and each store's CPU per write.
 *
 *   npx tsx bench/store-layout.ts [--modes async,semi-sync] [--concurrency 1,64] [--rounds 4] [--round-ms 3000] [--layouts one,per-replica]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config';
import { type BenchStack, benchRoot, type RunningStore, runScript, startBenchStack, startStore } from './bench-stack';
import { LatencyHistogram } from './latency-histogram';
import { addStages, closedLoop } from './load-patterns';
import { settle } from './settle';
import { benchValue, randomKey } from './workload';
import { WriteClient } from './write-client';

const LAYOUTS = ['one store', 'store per replica'] as const;
type Layout = (typeof LAYOUTS)[number];
const STAGES = ['leader', 'commit', 'publish', 'term', 'wait', 'total', 'outside'];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

interface LayoutStack {
  bench: BenchStack;
  /** The replicas' own stores (store per replica only); the bench's store then holds the control state alone. */
  replicaStores: Map<string, RunningStore>;
}

async function startLayout(layout: Layout, kafkaBrokers: string): Promise<LayoutStack> {
  const replicaStores = new Map<string, RunningStore>();
  if (layout === 'store per replica') {
    for (const id of loadConfig(process.env).replicas.ids) replicaStores.set(id, await startStore('process'));
  }
  const endpoints = [...replicaStores].map(([id, s]) => `${id}=${s.endpoint}`).join(',');
  try {
    const bench = await startBenchStack({
      label: layout === 'one store' ? 'layout-one' : 'layout-per',
      store: 'process',
      kafkaBrokers,
      env: endpoints === '' ? {} : { REPLOG_REPLICA_ENDPOINTS: endpoints },
    });
    return { bench, replicaStores };
  } catch (error) {
    for (const s of replicaStores.values()) await s.close();
    throw error;
  }
}

/** Every store of a stack by what it serves, with its CPU time so far. */
async function storeCpu(s: LayoutStack): Promise<Map<string, number>> {
  const stores: [string, RunningStore][] = s.replicaStores.size === 0 ? [['all', s.bench.store]] : [['control', s.bench.store], ...s.replicaStores];
  const out = new Map<string, number>();
  for (const [id, store] of stores) out.set(id, (await store.stats?.())?.cpuMs ?? 0);
  return out;
}

async function measure(kafkaBrokers: string): Promise<void> {
  const modes = arg('modes', 'async,semi-sync').split(',');
  const concurrencies = arg('concurrency', '1,64').split(',').map(Number);
  const rounds = Number(arg('rounds', '4'));
  const roundMs = Number(arg('round-ms', '3000'));
  const wanted = arg('layouts', 'one,per-replica').split(',');
  const layouts = LAYOUTS.filter((l) => wanted.includes(l === 'one store' ? 'one' : 'per-replica'));
  const stacks = new Map<Layout, LayoutStack>();
  const rows: string[] = [];
  const results: unknown[] = [];
  try {
    for (const layout of layouts) stacks.set(layout, await startLayout(layout, kafkaBrokers));
    for (const concurrency of concurrencies) {
      for (const mode of modes) {
        const acc = new Map(layouts.map((l) => [l, { histogram: new LatencyHistogram(), stages: new Map<string, LatencyHistogram>(), completed: 0, sent: 0, ms: 0, cpu: new Map<string, number>() }]));
        for (let r = 0; r < rounds; r++) {
          for (const layout of layouts) {
            const s = stacks.get(layout) as LayoutStack;
            await settle(s.bench.stack.runtime);
            const before = await storeCpu(s);
            const result = await closedLoop({
              client: new WriteClient(s.bench.url, concurrency, s.bench.env.REPLOG_API_KEY),
              ack: mode,
              concurrency,
              warmupMs: 500,
              measureMs: roundMs,
              keyOf: () => randomKey('l-', 100_000),
              valueOf: benchValue,
            });
            // Store CPU per write counts the replication the window's writes caused, so it is read once the followers caught up.
            await settle(s.bench.stack.runtime);
            const after = await storeCpu(s);
            const a = acc.get(layout) as NonNullable<ReturnType<typeof acc.get>>;
            a.histogram.add(result.histogram);
            addStages(a.stages, result.stages);
            a.completed += result.completed;
            a.sent += result.sent;
            a.ms += result.windowMs;
            for (const [id, cpu] of after) a.cpu.set(id, (a.cpu.get(id) ?? 0) + cpu - (before.get(id) ?? 0));
          }
        }
        for (const layout of layouts) {
          const a = acc.get(layout) as NonNullable<ReturnType<typeof acc.get>>;
          const s = a.histogram.summary();
          const stages = Object.fromEntries(STAGES.map((st) => [st, a.stages.get(st)?.summary().p50Ms ?? null]));
          // Every write is in the CPU figures (warm-up included), so they are divided by every write sent.
          const cpuPerWrite = Object.fromEntries([...a.cpu].map(([id, ms]) => [id, Math.round((ms / Math.max(1, a.sent)) * 100) / 100]));
          const writesPerSecond = Math.round((a.completed / (a.ms / 1000)) * 10) / 10;
          const row = `| ${concurrency} | ${mode} | ${layout} | ${s.p50Ms} | ${s.p99Ms} | ${STAGES.map((st) => stages[st] ?? '-').join(' | ')} | ${writesPerSecond} | ${Object.entries(cpuPerWrite)
            .map(([id, ms]) => `${id} ${ms}`)
            .join(', ')} |`;
          rows.push(row);
          results.push({ concurrency, mode, layout, p50Ms: s.p50Ms, p99Ms: s.p99Ms, stagesP50Ms: stages, writesPerSecond, storeCpuMsPerWrite: cpuPerWrite, completed: a.completed });
          console.log(row);
        }
      }
    }
  } finally {
    for (const s of stacks.values()) {
      await s.bench.stop();
      for (const store of s.replicaStores.values()) await store.close();
    }
  }
  const table = [
    `| clients | mode | stores | p50 ms | p99 ms | ${STAGES.map((s) => `${s} p50`).join(' | ')} | writes/s | store CPU ms per write |`,
    `|---|---|---|---|---|${STAGES.map(() => '---|').join('')}---|---|`,
    ...rows,
  ].join('\n');
  console.log(`\n${table}`);
  writeFileSync(join(benchRoot, 'results', 'run-store-layout.json'), `${JSON.stringify(results, null, 2)}\n`);
}

runScript(measure);
