import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  BENCH_SECTIONS,
  type BenchSection,
  benchSectionsOption,
  brokerListOption,
  positiveIntOption,
  storePlacementOption,
} from '../cli-options';

/** What `replog bench` asks of the benchmark in bench/ (bench/run.ts). */
export interface BenchRequest {
  quick: boolean;
  sections: BenchSection[];
  store: 'process' | 'in-process' | { endpoint: string };
  kafkaBrokers: string | undefined;
  outDir: string;
  /** Offered load for the apply-lag measurement, writes/s (default: half the highest measured write throughput). */
  lagRate: number | undefined;
  /** Events replayed into an empty follower for the catch-up measurement. */
  catchUpEvents: number | undefined;
  /** Base port of the local 3-broker cluster the cluster section starts (default: KAFKA_PORT + 100). */
  clusterPort: number | undefined;
  /** Writes results/latest.* (a run of a subset of sections writes only its timestamped file). */
  writeLatest: boolean;
}

const repoRoot = resolve(__dirname, '..', '..', '..');

/**
 * bench/ is TypeScript outside src/ and is not compiled into dist/: tsx loads it, whether this
 * CLI runs compiled or from source. It needs a source checkout, which is where results belong.
 */
function loadBench(): (request: BenchRequest) => Promise<void> {
  const entry = join(repoRoot, 'bench', 'run.ts');
  if (!existsSync(entry)) throw new Error(`replog bench runs from a replog source checkout (no ${entry})`);
  const tsx = require('tsx/cjs/api') as { require: (id: string, from: string) => unknown };
  const loaded = tsx.require(entry, __filename) as { runBench?: (request: BenchRequest) => Promise<void> };
  if (typeof loaded.runBench !== 'function') throw new Error(`${entry} does not export runBench`);
  return loaded.runBench;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure write latency per ack mode, throughput, apply lag, catch-up and failover against the physical floor')
    .option('--quick', 'a small run (under a minute) to check that everything works', false)
    .option('--only <sections>', `run only these sections (${BENCH_SECTIONS.join(', ')})`, benchSectionsOption)
    .option('--store <where>', 'the DynamoDB store: process (dynalite in its own process), in-process, or an endpoint URL', storePlacementOption, 'process')
    .option('--kafka-brokers <list>', 'use these brokers (default: KAFKA_BROKERS, else the local broker)', brokerListOption)
    .option('--rate <writes/s>', 'offered load for the apply-lag measurement (default: half the highest write throughput the run measured, else 300)', positiveIntOption)
    .option('--events <n>', 'events replayed for the catch-up measurement (default 50000, then 200000 too; 2000 with --quick)', positiveIntOption)
    .option('--cluster-port <port>', 'base port of the 3-broker cluster the cluster section starts (default: KAFKA_PORT + 100; it uses six ports from there)', positiveIntOption)
    .option('--out <dir>', 'where results are written', join(repoRoot, 'bench', 'results'))
    .action(
      async (opts: {
        quick: boolean;
        only?: BenchSection[];
        store: BenchRequest['store'];
        kafkaBrokers?: string;
        rate?: number;
        events?: number;
        clusterPort?: number;
        out: string;
      }) => {
        const runBench = loadBench();
        await runBench({
          quick: opts.quick,
          sections: opts.only ?? [...BENCH_SECTIONS],
          store: opts.store,
          kafkaBrokers: opts.kafkaBrokers ?? process.env.KAFKA_BROKERS,
          outDir: resolve(opts.out),
          lagRate: opts.rate,
          catchUpEvents: opts.events,
          clusterPort: opts.clusterPort,
          writeLatest: opts.only === undefined,
        });
      },
    );
}
