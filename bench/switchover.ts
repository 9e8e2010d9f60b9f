import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LocalStoreFarm } from '../src/local/store-farm';
import { namespacedLogger } from '../src/observability/logger';
import { readVersions } from '../test/faults/support/replica-tables';
import { type ReplogProcess, spawnReplog } from '../test/support/child-process';
import { benchNames } from './bench-stack';
import { percentileOfSorted } from '../src/core/percentile';
import { round } from './latency-histogram';
import type { SwitchoverResult } from './results-document';
import { benchValue } from './workload';
import { WriteClient } from './write-client';

const REPLICAS = ['main', 'follower-1', 'follower-2'];

interface StatusCounters {
  counters: { termChecks: { count: number; totalMs: number; maxMs: number; controlReads: number } };
}

/**
 * Planned switchovers under semi-sync load, every part a process of its own (a store per replica
 * and for the control state, `replog serve`, a `replog follower` per replica): the write pause of
 * each move as the switchover measures it (begin → the new leader takes writes) and as the
 * clients saw it (their slowest write), whether any acknowledged write is missing afterwards,
 * and what the term check costs each write in the same run (its time and its control reads).
 */
export async function measureSwitchover(options: {
  kafkaBrokers: string | undefined;
  switchovers: number;
  clients: number;
  keys: number;
  steadyMs: number;
  onStep?: (step: string) => void;
}): Promise<SwitchoverResult> {
  const names = benchNames('switchover');
  const farm = await LocalStoreFarm.start([{ id: 'control' }, ...REPLICAS.map((id) => ({ id }))], {
    log: namespacedLogger('bench', 'ERROR'),
    restartDelayMs: 0,
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    DYNAMODB_ENDPOINT: farm.endpoint('control'),
    REPLOG_CONTROL_ENDPOINT: farm.endpoint('control'),
    REPLOG_REPLICA_ENDPOINTS: REPLICAS.map((id) => `${id}=${farm.endpoint(id)}`).join(','),
    KAFKA_BROKERS: options.kafkaBrokers ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`,
    REPLOG_TOPIC: names.topic,
    REPLOG_TABLE_PREFIX: names.tablePrefix,
    REPLOG_GROUP_PREFIX: names.groupPrefix,
    REPLOG_FOLLOWERS: 'follower-1,follower-2',
    REPLOG_ACK_MODE: 'semi-sync',
    REPLOG_LOG_LEVEL: 'ERROR',
  };
  // The figures are defined at the defaults, whatever the caller's shell says.
  for (const name of ['REPLOG_CONTROL_TTL_MS', 'REPLOG_LEADER_WAIT_MS', 'REPLOG_SYNC_TIMEOUT_MS', 'REPLOG_SYNC_FOLLOWER']) delete env[name];
  const processes: ReplogProcess[] = [];
  let running = true;
  let load: Promise<unknown> | undefined;
  try {
    options.onStep?.('starting the leader and a follower process per replica');
    const serve = spawnReplog(['serve'], env);
    processes.push(serve);
    await serve.ready(/listening on http:\/\/\S+/, 120_000);
    const url = /listening on (http:\/\/\S+)/.exec(serve.output())?.[1] as string;
    for (const id of REPLICAS) processes.push(spawnReplog(['follower', '--id', id], env));
    await Promise.all(processes.slice(1).map((p) => p.ready(/consuming/, 120_000)));

    const writer = new WriteClient(url, options.clients + 2);
    const acked = new Map<string, number>();
    const outcomes: { at: number; latencyMs: number; status: number }[] = [];
    let n = 0;
    const client = async () => {
      while (running) {
        const i = n++;
        const key = `so-${i % options.keys}`;
        const o = await writer.put(key, benchValue(i), 'semi-sync');
        outcomes.push({ at: performance.now(), latencyMs: o.latencyMs, status: o.status });
        if (o.status === 200 && o.body) acked.set(key, Math.max(acked.get(key) ?? 0, o.body.version));
      }
    };
    load = Promise.all(Array.from({ length: options.clients }, client));

    options.onStep?.(`steady load for ${options.steadyMs} ms (the term check's cost)`);
    const countersOf = async () => ((await (await fetch(`${url}/replication/status`)).json()) as StatusCounters).counters.termChecks;
    await new Promise((r) => setTimeout(r, 1000));
    const before = await countersOf();
    const steadyFrom = performance.now();
    await new Promise((r) => setTimeout(r, options.steadyMs));
    const after = await countersOf();
    const steady = outcomes.filter((o) => o.at >= steadyFrom && o.status === 200).map((o) => o.latencyMs);
    const checks = after.count - before.count;

    const pauses: number[] = [];
    const clientPauses: number[] = [];
    for (let i = 0; i < options.switchovers; i++) {
      const to = i % 2 === 0 ? 'follower-1' : 'main';
      options.onStep?.(`switchover ${i + 1} of ${options.switchovers} to ${to}`);
      const from = performance.now();
      const res = await fetch(`${url}/replication/leader`, { method: 'POST', body: JSON.stringify({ to, reason: 'bench' }), headers: { 'content-type': 'application/json' } });
      const report = (await res.json()) as { pauseMs?: number; error?: { message: string } };
      if (res.status !== 200 || report.pauseMs === undefined) throw new Error(`switchover to ${to} failed: ${res.status} ${report.error?.message ?? ''}`);
      const pauseMs = report.pauseMs;
      pauses.push(pauseMs);
      // Let the load run on the new leader, then see the slowest write that overlapped the move.
      await new Promise((r) => setTimeout(r, 1500));
      const during = outcomes.filter((o) => o.at >= from && o.at - o.latencyMs <= from + pauseMs);
      clientPauses.push(round(Math.max(0, ...during.map((o) => o.latencyMs)), 1));
    }
    running = false;
    await load;

    options.onStep?.('checking every acknowledged write on every replica');
    const keys = [...acked.keys()];
    let lost = 0;
    const deadline = performance.now() + 60_000;
    for (const id of REPLICAS) {
      const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: farm.endpoint(id), region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
      const table = id === 'main' ? `${names.tablePrefix}-leader` : `${names.tablePrefix}-follower-${id}`;
      for (;;) {
        const held = await readVersions(client, table, keys);
        const missing = keys.filter((k) => (held.get(k) ?? 0) < (acked.get(k) ?? 0)).length;
        if (missing === 0 || performance.now() > deadline) {
          lost += missing;
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      client.destroy();
    }
    const sorted = [...pauses].sort((a, b) => a - b);
    return {
      switchovers: pauses.length,
      clients: options.clients,
      pauseMs: { p50: percentileOfSorted(sorted, 0.5), max: Math.max(...pauses), each: pauses },
      clientSlowestWriteMs: clientPauses,
      writesAcked: outcomes.filter((o) => o.status === 200).length,
      refused: outcomes.filter((o) => o.status !== 200).length,
      keysChecked: keys.length,
      lost,
      termCheck: {
        writes: checks,
        meanMs: checks === 0 ? 0 : round((after.totalMs - before.totalMs) / checks, 2),
        controlReadsPerWrite: checks === 0 ? 0 : round((after.controlReads - before.controlReads) / checks, 3),
        steadyWriteP50Ms: round(percentileOfSorted([...steady].sort((a, b) => a - b), 0.5), 1),
      },
    };
  } finally {
    running = false;
    await load?.catch(() => undefined);
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await farm.stop();
  }
}
