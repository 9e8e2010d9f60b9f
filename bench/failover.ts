import { performance } from 'node:perf_hooks';
import { createKafka } from '../src/adapters/kafka/kafka-client';
import { deleteTopics } from '../src/adapters/kafka/kafka-floor-probe';
import { loadConfig } from '../src/config/config';
import { namespacedLogger } from '../src/observability/logger';
import { type ReplogProcess, spawnReplog } from '../test/support/child-process';
import { benchNames, type StorePlacement, startStore } from './bench-stack';
import { round } from './latency-histogram';
import type { FailoverResult } from './results-document';
import { benchValue } from './workload';
import { WriteClient, type WriteOutcome } from './write-client';

/**
 * Failover as an operator meets it, with real processes: a leader (`replog serve`) and three
 * followers (`replog follower --id …`), each its own OS process. Semi-sync writes run one at a
 * time; the sync follower's process is SIGKILLed; the figure is the time from the kill to the
 * first write acknowledged by the follower that replaced it, with the timeout policy at its
 * defaults (promote, REPLOG_SYNC_TIMEOUT_MS=2000).
 */
export async function measureFailover(options: {
  store: StorePlacement;
  kafkaBrokers: string | undefined;
  writesBeforeKill: number;
  maxWaitMs: number;
  onStep?: (step: string) => void;
}): Promise<FailoverResult> {
  const names = benchNames('failover');
  const store = await startStore(options.store);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    DYNAMODB_ENDPOINT: store.endpoint,
    KAFKA_BROKERS: options.kafkaBrokers ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`,
    REPLOG_TOPIC: names.topic,
    REPLOG_TABLE_PREFIX: names.tablePrefix,
    REPLOG_GROUP_PREFIX: names.groupPrefix,
    REPLOG_FOLLOWERS: 'follower-1,follower-2,follower-3',
    REPLOG_LOG_LEVEL: 'ERROR',
  };
  // The figure is defined at the defaults, whatever the caller's shell says.
  for (const name of ['REPLOG_SYNC_TIMEOUT_MS', 'REPLOG_ON_SYNC_TIMEOUT', 'REPLOG_ON_NO_CANDIDATE', 'REPLOG_SYNC_FOLLOWER', 'REPLOG_ACK_MODE']) delete env[name];
  const config = loadConfig(env);
  const processes: ReplogProcess[] = [];
  const client = { current: undefined as WriteClient | undefined };
  try {
    options.onStep?.('starting the leader process');
    const leader = spawnReplog(['serve'], env);
    processes.push(leader);
    await leader.ready(/listening on http:\/\/\S+/, 120_000);
    const url = /listening on (http:\/\/\S+)/.exec(leader.output())?.[1] as string;
    options.onStep?.('starting three follower processes');
    const followers = new Map<string, ReplogProcess>();
    for (const id of ['follower-1', 'follower-2', 'follower-3']) {
      const p = spawnReplog(['follower', '--id', id], env);
      processes.push(p);
      followers.set(id, p);
    }
    await Promise.all([...followers.values()].map((p) => p.ready(/consuming/, 120_000)));

    client.current = new WriteClient(url, 1, env.REPLOG_API_KEY);
    const writer = client.current;
    const sync = config.syncFollower ?? 'follower-1';
    options.onStep?.(`warming up until ${sync} confirms semi-sync writes`);
    let n = 0;
    let confirmedBySync = 0;
    const warmDeadline = performance.now() + options.maxWaitMs;
    while (confirmedBySync < options.writesBeforeKill) {
      if (performance.now() > warmDeadline) throw new Error(`${sync} did not confirm ${options.writesBeforeKill} writes within ${options.maxWaitMs} ms`);
      const o = await writer.put(`fo-${n}`, benchValue(n), 'semi-sync');
      n += 1;
      if (o.body?.ack.confirmedBy.includes(sync) && !o.body.ack.degraded) confirmedBySync += 1;
    }

    options.onStep?.(`SIGKILL ${sync}, writing until another follower confirms`);
    const victim = followers.get(sync) as ReplogProcess;
    const during: Array<WriteOutcome & { doneAt: number }> = [];
    const killedAt = performance.now();
    const killed = victim.kill('SIGKILL');
    let replacedAt: number | undefined;
    let replacement: string | undefined;
    while (performance.now() - killedAt < options.maxWaitMs) {
      const o = await writer.put(`fo-${n}`, benchValue(n), 'semi-sync');
      n += 1;
      const doneAt = performance.now();
      during.push({ ...o, doneAt });
      const other = o.body?.ack.confirmedBy.find((id) => id !== sync);
      if (other !== undefined && !o.body?.ack.degraded) {
        replacedAt = doneAt;
        replacement = other;
        break;
      }
    }
    await killed;
    return {
      syncTimeoutMs: config.ack.syncTimeoutMs,
      killed: sync,
      replacement,
      failoverMs: replacedAt === undefined ? undefined : round(replacedAt - killedAt, 1),
      writesDuring: during.length,
      degradedDuring: during.filter((o) => o.body?.ack.degraded).length,
      failedDuring: during.filter((o) => o.status !== 200).length,
      slowestWriteMs: round(Math.max(0, ...during.map((o) => o.latencyMs)), 1),
      ...(replacedAt === undefined ? { note: `no write was acknowledged by another follower within ${options.maxWaitMs} ms` } : {}),
    };
  } finally {
    client.current?.close();
    await Promise.all(processes.map((p) => stopProcess(p)));
    await deleteTopics(createKafka(config.kafka, namespacedLogger('bench', 'ERROR')), [config.topic, config.deadLetterTopic]);
    await store.close();
  }
}

/** SIGTERM lets consumers leave their groups; a process that does not exit in 10 s is killed. */
async function stopProcess(p: ReplogProcess): Promise<void> {
  const timer = setTimeout(() => void p.kill('SIGKILL'), 10_000);
  await p.kill('SIGTERM');
  clearTimeout(timer);
}
