import { performance } from 'node:perf_hooks';
import { deleteTopics, KafkaFloorProbe } from '../src/adapters/kafka/kafka-floor-probe';
import { brokerCommand, ensureLocalBroker, type LocalBroker } from '../src/local/kafka-broker';
import { type BenchStack, type StorePlacement, startBenchStack } from './bench-stack';
import { LatencyHistogram, type LatencySummary, round } from './latency-histogram';
import { closedLoop } from './load-patterns';
import { settle } from './settle';
import { benchValue, randomKey } from './workload';
import { WriteClient } from './write-client';

export interface LogClusterPlan {
  /** acks=all produces of one change-event-sized record per log, interleaved. */
  produceSamples: number;
  modes: string[];
  concurrencies: number[];
  /** Each cell's window is split over `rounds` turns, the two logs alternating turn by turn. */
  rounds: number;
  warmupMs: number;
  measureMs: number;
  keySpace: number;
}

export interface LogClusterCell {
  brokers: number;
  /** The replication topic as replog created it there: "replication factor 3, min.insync.replicas 2 on 3 brokers". */
  durability: string;
  produce: LatencySummary;
  writes: Array<{ mode: string; concurrency: number; latency: LatencySummary; throughputPerSec: number; completed: number; failed: number }>;
}

export interface LogClusterResult {
  /** Base port of the 3-broker cluster the section started (and stopped), and how long its start took. */
  cluster: { port: number; startMs: number; startedHere: boolean };
  cells: LogClusterCell[];
}

interface Side {
  brokers: number;
  bench: BenchStack;
  probe: KafkaFloorProbe;
  produce: LatencyHistogram;
  cells: Map<string, { histogram: LatencyHistogram; completed: number; failed: number; windowMs: number }>;
}

/**
 * The price of a durable log: the same replog against the one-broker log (RF 1) and a local
 * 3-broker KRaft cluster (RF 3, min.insync.replicas 2) in the same run, same store placement.
 * Both stacks stay up for the whole section and take turns, so the machine's drift falls on both.
 */
export async function measureLogCluster(options: LogClusterPlan & {
  store: StorePlacement;
  kafkaBrokers: string | undefined;
  clusterPort: number;
  onStep?: (what: string) => void;
}): Promise<LogClusterResult> {
  options.onStep?.(`starting a 3-broker cluster on ports from ${options.clusterPort}`);
  const t0 = performance.now();
  const cluster: LocalBroker = await ensureLocalBroker(options.clusterPort, 3);
  const startMs = Math.round(performance.now() - t0);
  const sides: Side[] = [];
  try {
    for (const [brokers, kafkaBrokers] of [
      [1, options.kafkaBrokers],
      [3, cluster.brokers],
    ] as const) {
      options.onStep?.(`starting replog on the ${brokers}-broker log`);
      const bench = await startBenchStack({ label: `log${brokers}`, store: options.store, kafkaBrokers });
      const side: Side = { brokers, bench, probe: probeFor(bench), produce: new LatencyHistogram(), cells: new Map() };
      sides.push(side);
      await side.probe.start(async () => undefined);
    }
    options.onStep?.('produce (acks=all), the logs alternating');
    for (let i = 0; i < options.produceSamples; i++) {
      for (const side of sides) {
        const t = performance.now();
        await side.probe.produce(`log-p-${i % 1000}`, JSON.stringify({ v: 1, op: 'put', key: `log-p-${i}`, version: 1, value: benchValue(i), committedAt: Date.now(), writeId: `log-${i}` }));
        side.produce.recordMs(performance.now() - t);
      }
    }
    for (let r = 0; r < options.rounds; r++) {
      for (const concurrency of options.concurrencies) {
        for (const mode of options.modes) {
          for (const side of sides) {
            options.onStep?.(`${mode} × ${concurrency} on ${side.brokers} broker(s), round ${r + 1}`);
            await turn(side, mode, concurrency, options);
          }
        }
      }
    }
    return {
      cluster: { port: options.clusterPort, startMs, startedHere: cluster.startedHere },
      cells: sides.map((side) => ({
        brokers: side.brokers,
        durability: side.bench.stack.durability,
        produce: side.produce.summary(),
        writes: [...side.cells.entries()].map(([name, c]) => {
          const [mode = '', concurrency = '0'] = name.split('|');
          return { mode, concurrency: Number(concurrency), latency: c.histogram.summary(), throughputPerSec: round((c.completed / c.windowMs) * 1000, 1), completed: c.completed, failed: c.failed };
        }),
      })),
    };
  } finally {
    for (const side of sides) {
      await side.probe.stop().catch(() => undefined);
      await deleteTopics(side.bench.stack.runtime.kafka, [side.probe.topic, side.probe.cycleTopic]).catch(() => undefined);
      await side.bench.stop();
    }
    if (cluster.startedHere) await brokerCommand('stop', cluster.port, cluster.nodes);
  }
}

function probeFor(bench: BenchStack): KafkaFloorProbe {
  const rt = bench.stack.runtime;
  return new KafkaFloorProbe(rt.kafka, `${bench.id}.produce`, rt.config.partitions, `${bench.id}-produce`);
}

async function turn(side: Side, mode: string, concurrency: number, plan: LogClusterPlan): Promise<void> {
  const name = `${mode}|${concurrency}`;
  let cell = side.cells.get(name);
  if (!cell) {
    cell = { histogram: new LatencyHistogram(), completed: 0, failed: 0, windowMs: 0 };
    side.cells.set(name, cell);
  }
  const client = new WriteClient(side.bench.url, concurrency, side.bench.env.REPLOG_API_KEY);
  try {
    await settle(side.bench.stack.runtime);
    const result = await closedLoop({
      client,
      ack: mode,
      concurrency,
      warmupMs: plan.warmupMs,
      measureMs: plan.measureMs / plan.rounds,
      keyOf: () => randomKey('l-', plan.keySpace),
      valueOf: benchValue,
    });
    cell.histogram.add(result.histogram);
    cell.completed += result.completed;
    cell.failed += result.failed;
    cell.windowMs += result.windowMs;
  } finally {
    client.close();
  }
}
