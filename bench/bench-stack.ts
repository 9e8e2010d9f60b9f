import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { deleteTopics } from '../src/adapters/kafka/kafka-floor-probe';
import { loadConfig } from '../src/config/config';
import { startDynalite } from '../src/local/dynalite-server';
import { brokerCommand, ensureLocalBroker } from '../src/local/kafka-broker';
import { type LocalStack, startLocalStack } from '../src/local/local-stack';

export const benchRoot = __dirname;
const repoRoot = join(__dirname, '..');

/**
 * Runs `measure` against the given brokers, else KAFKA_BROKERS, else one local broker for the
 * whole run, started if needed and stopped at the end if this run started it: a section's stack
 * that started it would stop it, and the next one would delete its topics against a stopped broker.
 */
export async function withBrokers(kafkaBrokers: string | undefined, measure: (brokers: string) => Promise<void>): Promise<void> {
  const given = kafkaBrokers ?? process.env.KAFKA_BROKERS;
  if (given) return measure(given);
  const broker = await ensureLocalBroker(loadConfig(process.env).kafka.localPort);
  try {
    await measure(broker.brokers);
  } finally {
    if (broker.startedHere) await brokerCommand('stop', broker.port, broker.nodes);
  }
}

/** A bench script's whole run: `measure` against the brokers withBrokers finds, then the exit code says how it went. */
export function runScript(measure: (brokers: string) => Promise<void>): void {
  withBrokers(undefined, measure).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** Where the store runs: its own process (default), inside the bench process, or a given endpoint. */
export type StorePlacement = 'process' | 'in-process' | { endpoint: string };

/** What the store did so far: requests per DynamoDB operation and its CPU time. */
export interface StoreStats {
  operations: Record<string, number>;
  cpuMs: number;
}

export interface RunningStore {
  endpoint: string;
  placement: string;
  /** True when the benchmark started the store: its data goes with it, nothing needs tidying. */
  disposable: boolean;
  /** Only for the store the benchmark runs in a process of its own. */
  stats?: () => Promise<StoreStats>;
  close(): Promise<void>;
}

export interface BenchStack {
  stack: LocalStack;
  url: string;
  env: NodeJS.ProcessEnv;
  id: string;
  store: RunningStore;
  stop(): Promise<void>;
}

export function benchNames(label: string): { id: string; topic: string; tablePrefix: string; groupPrefix: string } {
  const id = `bench-${label}-${randomBytes(3).toString('hex')}`;
  return { id, topic: id, tablePrefix: id, groupPrefix: id };
}

export async function startStore(placement: StorePlacement): Promise<RunningStore> {
  if (typeof placement === 'object') return { endpoint: placement.endpoint, placement: placement.endpoint, disposable: false, close: async () => undefined };
  if (placement === 'in-process') {
    const store = await startDynalite();
    return { endpoint: store.endpoint, placement: 'in-process dynalite', disposable: true, close: () => store.close() };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(benchRoot, 'dynalite-process.ts')], {
    cwd: repoRoot,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('dynalite did not start within 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /dynalite (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dynalite exited (${code}) before it was ready`));
    });
  });
  const stats = () =>
    new Promise<StoreStats>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the store process did not answer a stats request')), 10_000);
      const onMessage = (message: { type?: string } & StoreStats) => {
        if (message?.type !== 'stats') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve({ operations: message.operations, cpuMs: message.cpuMs });
      };
      child.on('message', onMessage);
      child.send({ type: 'stats' });
    });
  return { endpoint, placement: 'dynalite in its own process', disposable: true, stats, close: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A whole replog for one benchmark: the store, the broker (KAFKA_BROKERS, or the local broker on
 * KAFKA_PORT), a fresh topic, tables and groups, the HTTP API on a free port in this process and
 * every follower with the relay in a follower process, exactly as `replog dev` runs them.
 */
export async function startBenchStack(options: {
  label: string;
  store: StorePlacement;
  kafkaBrokers: string | undefined;
  env?: Record<string, string>;
  /** Default: the HTTP API and every follower, as `replog dev` runs them. */
  http?: boolean;
  followers?: 'all' | 'none';
  /** Spans from this process too (the follower process traces whenever OTLP is configured). */
  tracing?: boolean;
}): Promise<BenchStack> {
  const names = benchNames(options.label);
  const store = await startStore(options.store);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    DYNAMODB_ENDPOINT: store.endpoint,
    REPLOG_TOPIC: names.topic,
    REPLOG_TABLE_PREFIX: names.tablePrefix,
    REPLOG_GROUP_PREFIX: names.groupPrefix,
    REPLOG_LOG_LEVEL: process.env.REPLOG_LOG_LEVEL ?? 'ERROR',
    ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers } : {}),
    ...options.env,
  };
  let stack: LocalStack;
  try {
    const http = options.http ?? true;
    const followers = options.followers ?? 'all';
    // As replog dev runs them: with the HTTP API, the followers and the relay in a follower process
    // of their own unless REPLOG_LOCAL_PROCESSES=single.
    const followerProcess = http && followers === 'all' && loadConfig(env).localProcesses === 'separate';
    stack = await startLocalStack({ env, http, followers, followerProcess, tracing: options.tracing ?? false });
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    stack,
    url: stack.url ?? '',
    env: { ...env, KAFKA_BROKERS: stack.brokers.join(',') },
    id: names.id,
    store,
    async stop() {
      const { kafka, config } = stack.runtime;
      await stack.stop();
      await deleteTopics(kafka, [config.topic, config.deadLetterTopic]);
      await store.close();
    },
  };
}
