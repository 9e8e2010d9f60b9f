import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchRequest } from '../src/cli/commands/bench';
import { loadConfig } from '../src/config/config';
import { measureApplyLag } from './apply-lag';
import { type BenchStack, startBenchStack, withBrokers } from './bench-stack';
import { measureCatchUp } from './catch-up';
import { measureFailover } from './failover';
import { measureLogCluster } from './log-cluster';
import { measureLeaderFailover } from './leader-failover';
import { measureOutboxBurst } from './outbox-burst';
import { measureSwitchover } from './switchover';
import { measureFloor } from './floor';
import { measureStoreCapacity } from './store-capacity';
import { measureVerifySettle } from './verify-settle';
import { round } from './latency-histogram';
import { latencyChartSvg } from './latency-chart';
import { describeMachine } from './machine';
import { markdownReport } from './markdown-report';
import { planFor } from './plan';
import { SectionProgress } from './progress';
import type { BenchResults } from './results-document';
import { judgeTargets } from './targets';
import { measureWriteLatency } from './write-latency';

/**
 * `replog bench`: brings up its own replog (or uses the given store and brokers), measures the
 * floor and then replog in the same run, and writes JSON, markdown and an SVG chart.
 */
export function runBench(request: BenchRequest): Promise<void> {
  return withBrokers(request.kafkaBrokers, (kafkaBrokers) => runSections({ ...request, kafkaBrokers }));
}

async function runSections(request: BenchRequest): Promise<void> {
  const plan = planFor(request);
  const machine = describeMachine();
  const startedAt = new Date();
  const t0 = performance.now();
  const progress = new SectionProgress();
  const want = new Set(request.sections);
  process.stderr.write(
    `replog bench (${request.quick ? 'quick' : 'full'}): ${request.sections.join(', ')} on ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadAverage.join(' / ')}\n`,
  );

  const partial: Omit<BenchResults, 'targets' | 'finishedAt' | 'durationSec' | 'setup'> & { setup?: BenchResults['setup'] } = {
    tool: 'replog bench',
    quick: request.quick,
    startedAt: startedAt.toISOString(),
    machine: { ...machine, loadAverageAfter: machine.loadAverage },
    plan,
  };

  // A section that fails is reported and the others still run: one broken part must not cost the
  // figures of the rest. The run then ends with an error, after writing what it has.
  const failures: Record<string, string> = {};
  const attempt = async (name: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures[name] = message;
      progress.stop();
      process.stderr.write(`bench: ${name} failed: ${message}
`);
    } finally {
      progress.stop();
    }
  };

  let bench: BenchStack | undefined;
  const needsStack = want.has('floor') || want.has('latency') || want.has('lag');
  try {
    if (needsStack) {
      await attempt('stack', async () => {
        progress.start('starting replog', 1, 'stack');
        const started = await startBenchStack({ label: 'run', store: request.store, kafkaBrokers: request.kafkaBrokers });
        bench = started;
        const config = started.stack.runtime.config;
        partial.setup = {
          store: started.store.placement,
          kafka: config.kafka.brokers.join(','),
          followers: config.followers.map((f) => f.id),
          ackPollMs: config.ack.pollMs,
          syncTimeoutMs: config.ack.syncTimeoutMs,
          partitions: config.partitions,
        };
        progress.update(1);
      });
    }
    if (bench) await runStackSections(bench);
  } finally {
    progress.stop();
    await bench?.stop();
  }

  async function runStackSections(b: BenchStack): Promise<void> {
    if (want.has('floor')) {
      await attempt('floor', async () => {
        const total = plan.floor.samples + plan.floor.warmup;
        progress.start('floor (raw operations)', total, 'rounds');
        partial.floor = await measureFloor(b.stack.runtime, { id: b.id, ...plan.floor, onProgress: (n) => progress.update(n) });
      });
    }
    if (want.has('latency')) {
      await attempt('latency', async () => {
        const cells = plan.latency.modes.length * plan.latency.concurrencies.length * plan.latency.rounds;
        progress.start('write latency per mode', cells, 'turns');
        let done = 0;
        const writes = await measureWriteLatency(b, {
          ...plan.latency,
          onCell: (mode, c, turn) => progress.update(done++, `${mode} × ${c} (round ${turn + 1})`),
        });
        partial.writes = writes;
        progress.update(cells);
        partial.ratios = plan.latency.concurrencies.map((concurrency) => {
          const p50 = (mode: string) => writes.find((w) => w.mode === mode && w.concurrency === concurrency)?.latency.p50Ms ?? Number.NaN;
          const f = partial.floor;
          return {
            concurrency,
            semiSyncOverAsyncP50: round(p50('semi-sync') / p50('async')),
            semiSyncOverFloorP50: f ? round(p50('semi-sync') / f.semiSyncFloorP50Ms) : undefined,
            asyncOverFloorP50: f ? round(p50('async') / f.asyncFloorP50Ms) : undefined,
          };
        });
      });
    }
    if (partial.floor && partial.writes) {
      await attempt('floor again', async () => {
        // The floor again after the write cells: how far the machine's load drifted meanwhile.
        const samples = Math.ceil(plan.floor.samples / 2);
        progress.start('floor again (drift check)', samples + plan.floor.warmup, 'rounds');
        const again = await measureFloor(b.stack.runtime, {
          id: `${b.id}-again`,
          samples,
          warmup: plan.floor.warmup,
          onProgress: (n) => progress.update(n),
        });
        partial.floorAfter = { asyncFloorP50Ms: again.asyncFloorP50Ms, semiSyncFloorP50Ms: again.semiSyncFloorP50Ms, samples };
      });
    }
    if (partial.writes?.some((w) => w.costPerWrite)) {
      const inFlight = Math.max(...plan.latency.concurrencies);
      await attempt('capacity', async () => {
        progress.start(`store capacity (raw conditional writes, ${inFlight} in flight)`, 1, 'runs');
        partial.capacity = await measureStoreCapacity(b.stack.runtime, { id: b.id, inFlight, durationMs: plan.capacity.durationMs, writes: partial.writes ?? [] });
        progress.update(1);
      });
    }
    if (want.has('lag')) {
      // Half the most this machine carried in the write cells, unless the rate was asked for: a
      // fixed rate is either idle or past saturation depending on the machine.
      const max = partial.writes && partial.writes.length > 0 ? Math.max(...partial.writes.map((w) => w.throughputPerSec)) : undefined;
      if (request.lagRate === undefined && max !== undefined && max > 0) {
        plan.lag.ratePerSec = Math.max(1, Math.round(max / 2));
        plan.lag.rateFrom = `half the highest write throughput measured (${max} writes/s)`;
      }
      await attempt('lag', async () => {
        const total = Math.round((plan.lag.durationMs / 1000) * plan.lag.ratePerSec);
        progress.start(`apply lag at ${plan.lag.ratePerSec}/s`, total, 'writes');
        partial.applyLag = await measureApplyLag(b, { ...plan.lag, onProgress: (n) => progress.update(n) });
        const light = plan.lag.lightRatePerSec;
        if (light < plan.lag.ratePerSec) {
          progress.start(`apply lag at ${light}/s`, Math.round((plan.lag.durationMs / 1000) * light), 'writes');
          partial.applyLagLight = await measureApplyLag(b, {
            ratePerSec: light,
            durationMs: plan.lag.durationMs,
            onProgress: (n) => progress.update(n),
          });
        }
      });
    }
  }
  if (want.has('outbox')) {
    await attempt('outbox', async () => {
      progress.start(`outbox: a burst of ${plan.outbox.writes} writes (${plan.outbox.clients} clients)`, plan.outbox.writes, 'writes');
      partial.outbox = await measureOutboxBurst({ store: request.store, kafkaBrokers: request.kafkaBrokers, ...plan.outbox, onProgress: (n) => progress.update(n) });
    });
  }
  if (want.has('catchup')) {
    await attempt('catchup', async () => {
      partial.catchUp = await measureCatchUp({
        store: request.store,
        kafkaBrokers: request.kafkaBrokers,
        ...plan.catchUp,
        onPhase: (phase, total) => progress.start(`catch-up: ${phase}`, total, 'events'),
        onProgress: (n) => progress.update(n),
      });
    });
    if (plan.catchUpLarge) {
      const large = plan.catchUpLarge;
      await attempt('catchup (large)', async () => {
        partial.catchUpLarge = await measureCatchUp({
          store: request.store,
          kafkaBrokers: request.kafkaBrokers,
          ...large,
          onPhase: (phase, total) => progress.start(`catch-up ${large.events}: ${phase}`, total, 'events'),
          onProgress: (n) => progress.update(n),
        });
      });
    }
  }
  if (want.has('catchup')) {
    await attempt('verify', async () => {
      progress.start(`verify (${plan.verify.keys} keys, ${plan.verify.tampered} real differences)`, 1, 'runs');
      partial.verify = await measureVerifySettle({ store: request.store, kafkaBrokers: request.kafkaBrokers, ...plan.verify });
      progress.update(1);
    });
  }
  if (want.has('failover')) {
    await attempt('failover', async () => {
      progress.start('failover (real processes)', 4, 'steps');
      let step = 0;
      partial.failover = await measureFailover({
        store: request.store,
        kafkaBrokers: request.kafkaBrokers,
        ...plan.failover,
        onStep: (what) => progress.update(step++, what),
      });
    });
    await attempt('leader-failover', async () => {
      const lf = plan.leaderFailover;
      const runs = lf.semiSyncRuns + lf.asyncRuns + lf.asyncBacklogRuns;
      progress.start('leader failover (the leader store SIGKILLed, a store per replica)', runs * 2, 'steps');
      let step = 0;
      partial.leaderFailover = await measureLeaderFailover({
        kafkaBrokers: request.kafkaBrokers,
        ...lf,
        onStep: (what) => progress.update(step++, what),
      });
    });
    await attempt('switchover', async () => {
      progress.start('switchover (real processes, a store per replica)', plan.switchover.switchovers + 3, 'steps');
      let step = 0;
      partial.switchover = await measureSwitchover({
        kafkaBrokers: request.kafkaBrokers,
        ...plan.switchover,
        onStep: (what) => progress.update(step++, what),
      });
    });
  }

  if (want.has('cluster')) {
    await attempt('cluster', async () => {
      const steps = 4 + plan.cluster.rounds * plan.cluster.concurrencies.length * plan.cluster.modes.length * 2;
      progress.start('the 1-broker log next to a 3-broker cluster', steps, 'steps');
      let step = 0;
      partial.logCluster = await measureLogCluster({
        store: request.store,
        kafkaBrokers: request.kafkaBrokers,
        clusterPort: request.clusterPort ?? loadConfig(process.env).kafka.localPort + 100,
        ...plan.cluster,
        onStep: (what) => progress.update(step++, what),
      });
    });
  }

  const finishedAt = new Date();
  const setup = partial.setup ?? setupFromEnvironment(request);
  const withoutTargets = {
    ...partial,
    setup,
    finishedAt: finishedAt.toISOString(),
    durationSec: round((performance.now() - t0) / 1000, 1),
    machine: { ...partial.machine, loadAverageAfter: describeMachine().loadAverage },
    ...(Object.keys(failures).length > 0 ? { failures } : {}),
  };
  const results: BenchResults = { ...withoutTargets, targets: judgeTargets(withoutTargets) };
  writeResults(request, results);
  if (results.failures) {
    throw new Error(`bench sections failed: ${Object.entries(results.failures).map(([name, message]) => `${name}: ${message}`).join('; ')}`);
  }
}

/** What a run without the in-process stack (failover only) ran against, from the same configuration. */
function setupFromEnvironment(request: BenchRequest): BenchResults['setup'] {
  // The sections without the stack reach the broker as they do: the given list, else KAFKA_BROKERS, else KAFKA_PORT.
  const brokers = request.kafkaBrokers ?? process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
  const config = loadConfig({ ...process.env, KAFKA_BROKERS: brokers });
  return {
    store: typeof request.store === 'object' ? request.store.endpoint : request.store === 'process' ? 'dynalite in its own process' : 'in-process dynalite',
    kafka: config.kafka.brokers.join(','),
    followers: config.followers.map((f) => f.id),
    ackPollMs: config.ack.pollMs,
    syncTimeoutMs: config.ack.syncTimeoutMs,
    partitions: config.partitions,
  };
}

function writeResults(request: BenchRequest, results: BenchResults): void {
  mkdirSync(request.outDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const base = join(request.outDir, `${request.quick ? 'quick' : 'run'}-${stamp}`);
  const markdown = markdownReport(results);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  const written = [`${base}.json`, `${base}.md`];
  if (results.writes && results.writes.length > 0) {
    writeFileSync(`${base}.svg`, latencyChartSvg(results));
    written.push(`${base}.svg`);
  }
  // Only a complete full run of every section becomes the published "latest" figures.
  if (request.writeLatest && !request.quick && !results.failures) {
    for (const ext of ['json', 'md', 'svg']) copyFileSync(`${base}.${ext}`, join(request.outDir, `latest.${ext}`));
    written.push(join(request.outDir, 'latest.{json,md,svg}'));
  }
  process.stdout.write(`\n${markdown}\nwritten: ${written.join(', ')}\n`);
}
