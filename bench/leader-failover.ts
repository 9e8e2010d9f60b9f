import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createKafka } from '../src/adapters/kafka/kafka-client';
import { deleteTopics } from '../src/adapters/kafka/kafka-floor-probe';
import { type Config, loadConfig } from '../src/config/config';
import { recordsBehind } from '../src/core/catch-up-distance';
import { LocalStoreFarm } from '../src/local/store-farm';
import { namespacedLogger } from '../src/observability/logger';
import { readVersions } from '../test/faults/support/replica-tables';
import { type ReplogProcess, spawnReplog } from '../test/support/child-process';
import { benchNames } from './bench-stack';
import { LatencyHistogram, round } from './latency-histogram';
import {
  blockedTicksIn,
  type FailoverMode,
  failoverCompleteLog,
  type LeaderFailoverResult,
  type LeaderFailoverRun,
  type LosslessReadCost,
  ackModeOf,
  planFailoverRuns,
  summarizeLeaderFailover,
} from './leader-failover-summary';
import { ReadClient } from './read-client';
import { benchValue } from './workload';
import { WriteClient } from './write-client';

const REPLICAS = ['main', 'follower-1', 'follower-2'];
const SYNC_FOLLOWER = 'follower-1';

export interface LeaderFailoverPlan {
  semiSyncRuns: number;
  asyncRuns: number;
  /** Async runs whose followers are paused for `backlogMs` before the kill (a candidate seconds behind). */
  asyncBacklogRuns: number;
  backlogMs: number;
  clients: number;
  keys: number;
  /** Acknowledged writes before the kill. */
  writesBeforeKill: number;
  /** Acknowledged writes on the new leader before the load stops. */
  writesAfter: number;
  /** Lossless read cost, in every semi-sync run before the kill: this long, with this many readers per side. */
  readMs: number;
  readersPerSide: number;
  maxWaitMs: number;
}

interface ReadSide {
  histogram: LatencyHistogram;
  refused: number;
}

/**
 * Unplanned leader failover as an operator meets it (`npm start`'s layout): a dynalite process
 * per replica and one for the control state, `replog serve` and a `replog follower` per replica,
 * every one of them running the watchdog at its defaults (REPLOG_LEADER_FAILURE_MS and all). Writes
 * from several clients run in the run's ack mode; the leader's store process is SIGKILLed; the
 * figure is the time from the kill to the first 200 from the new leader, and every acknowledged
 * write is then looked for on the new leader. Semi-sync and async runs alternate, so the catch-up
 * each failover's candidate needed (from its "failover complete" log) can be set side by side.
 * Every semi-sync run first measures leader reads with lossless reads off and on, concurrently,
 * under its writes.
 */
export async function measureLeaderFailover(options: LeaderFailoverPlan & { kafkaBrokers: string | undefined; onStep?: (step: string) => void }): Promise<LeaderFailoverResult> {
  const order = planFailoverRuns(options.semiSyncRuns, options.asyncRuns, options.asyncBacklogRuns);
  const runs: LeaderFailoverRun[] = [];
  const off: ReadSide = { histogram: new LatencyHistogram(), refused: 0 };
  const on: ReadSide = { histogram: new LatencyHistogram(), refused: 0 };
  let readRuns = 0;
  let leaderFailureMs = 0;
  for (const [i, mode] of order.entries()) {
    options.onStep?.(`run ${i + 1} of ${order.length} (${mode})`);
    const run = await oneRun(mode, options, mode === 'semi-sync' ? { off, on } : undefined, (ms) => (leaderFailureMs = ms));
    if (mode === 'semi-sync') readRuns += 1;
    runs.push(run);
  }
  const side = (s: ReadSide) => ({
    latency: s.histogram.summary(),
    readsPerSec: round(s.histogram.count / ((readRuns * options.readMs) / 1000), 1),
    refused: s.refused,
  });
  const losslessReads: LosslessReadCost | undefined =
    readRuns === 0 || off.histogram.count === 0
      ? undefined
      : {
          readersPerSide: options.readersPerSide,
          measureMs: readRuns * options.readMs,
          off: side(off),
          on: side(on),
          p50Ratio: round(on.histogram.percentileMs(50) / off.histogram.percentileMs(50)),
          p99Ratio: round(on.histogram.percentileMs(99) / off.histogram.percentileMs(99)),
        };
  return { leaderFailureMs, backlogMs: options.backlogMs, clients: options.clients, keys: options.keys, runs, summary: summarizeLeaderFailover(runs), losslessReads };
}

async function oneRun(
  mode: FailoverMode,
  options: LeaderFailoverPlan & { kafkaBrokers: string | undefined; onStep?: (step: string) => void },
  reads: { off: ReadSide; on: ReadSide } | undefined,
  onFailureMs: (ms: number) => void,
): Promise<LeaderFailoverRun> {
  const names = benchNames('leader-failover');
  const farm = await LocalStoreFarm.start([{ id: 'control' }, ...REPLICAS.map((id) => ({ id }))], { log: namespacedLogger('bench', 'ERROR'), restartDelayMs: 0 });
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
    REPLOG_SYNC_FOLLOWER: SYNC_FOLLOWER,
    REPLOG_ACK_MODE: ackModeOf(mode),
    // The old store stays down: this measures the failover, not the rejoin.
    REPLOG_AUTO_REJOIN: 'false',
    // WARN: the winning watchdog's "failover complete" line carries the catch-up figures.
    REPLOG_LOG_LEVEL: 'WARN',
    REPLOG_LOG_FORMAT: 'json',
  };
  // The figures are defined at the defaults, whatever the caller's shell says.
  for (const name of [
    'REPLOG_LEADER_FAILURE_MS',
    'REPLOG_LEADER_PROBE_MS',
    'REPLOG_AUTO_FAILOVER',
    'REPLOG_CONTROL_TTL_MS',
    'REPLOG_LEADER_WAIT_MS',
    'REPLOG_SYNC_TIMEOUT_MS',
    'REPLOG_LOSSLESS_READS',
    'REPLOG_READ_MAX_WAIT_MS',
  ]) {
    delete env[name];
  }
  const config = loadConfig(env);
  onFailureMs(config.failover.failureMs);
  const processes: ReplogProcess[] = [];
  let running = true;
  let load: Promise<unknown> | undefined;
  let writer: WriteClient | undefined;
  let reader: ReadClient | undefined;
  let lag: LagAtKill | undefined;
  try {
    const serve = spawnReplog(['serve'], env);
    processes.push(serve);
    await serve.ready(/listening on http:\/\/\S+/, 120_000);
    const url = /listening on (http:\/\/\S+)/.exec(serve.output())?.[1] as string;
    for (const id of REPLICAS) processes.push(spawnReplog(['follower', '--id', id], env));
    await Promise.all(processes.slice(1).map((p) => p.ready(/consuming/, 120_000)));

    writer = new WriteClient(url, options.clients + 2);
    const w = writer;
    const acked = new Map<string, number>();
    let ackedCount = 0;
    let refused = 0;
    let refusedBeforeKill = 0;
    let killedAt = 0;
    let firstNewLeader: { at: number; leader: string; term: number | undefined } | undefined;
    let afterMove = 0;
    let n = 0;
    const client = async () => {
      while (running) {
        const i = n++;
        const key = `lf-${i % options.keys}`;
        const o = await w.put(key, benchValue(i), ackModeOf(mode));
        if (o.status !== 200 || o.body === undefined) {
          refused += 1;
          if (killedAt === 0) refusedBeforeKill += 1;
          // A client's retry pace after a refusal (503 while the leader is down), not a wait for a condition.
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        ackedCount += 1;
        acked.set(key, Math.max(acked.get(key) ?? 0, o.body.version));
        if (killedAt > 0 && o.body.leader !== undefined && o.body.leader !== 'main') {
          firstNewLeader ??= { at: performance.now(), leader: o.body.leader, term: o.body.term };
          afterMove += 1;
        }
      }
    };
    load = Promise.all(Array.from({ length: options.clients }, client));
    await until(() => ackedCount >= options.writesBeforeKill, options.maxWaitMs, `${options.writesBeforeKill} ${mode} writes before the kill`);

    if (reads) {
      options.onStep?.(`leader reads, lossless off and on, for ${options.readMs} ms under the writes`);
      reader = new ReadClient(url, options.readersPerSide * 2 + 2);
      const r = reader;
      const readUntil = performance.now() + options.readMs;
      let k = 0;
      const readLoop = async (lossless: boolean, into: ReadSide) => {
        while (performance.now() < readUntil) {
          const o = await r.get(`lf-${(k++ * 7919) % options.keys}`, lossless);
          if (o.status === 200 || o.status === 404) into.histogram.recordMs(o.latencyMs);
          else into.refused += 1;
        }
      };
      await Promise.all(Array.from({ length: options.readersPerSide * 2 }, (_, i) => (i % 2 === 0 ? readLoop(false, reads.off) : readLoop(true, reads.on))));
    }

    options.onStep?.(`SIGKILL the store of main (${mode}), writing until the new leader answers`);
    const followerProcs = processes.slice(2);
    if (mode === 'async-backlog') {
      options.onStep?.(`pausing the follower processes for ${options.backlogMs} ms under async writes (a backlog)`);
      for (const p of followerProcs) p.child.kill('SIGSTOP');
      // The backlog's size is set by how long the followers stand still: a pace, not a wait for a condition.
      await new Promise((r) => setTimeout(r, options.backlogMs));
    }
    lag = new LagAtKill(config, ['follower-1', 'follower-2']);
    const behindAtKill = await lag.before();
    killedAt = performance.now();
    await farm.kill('main');
    if (mode === 'async-backlog') for (const p of followerProcs) p.child.kill('SIGCONT');
    const caughtUpAfterKillMs = await lag.caughtUp(killedAt, options.maxWaitMs);
    const moved = await until(() => firstNewLeader !== undefined, options.maxWaitMs, 'a 200 from a new leader').then(
      () => true,
      () => false,
    );
    if (moved) await until(() => afterMove >= options.writesAfter, options.maxWaitMs, `${options.writesAfter} writes on the new leader`).catch(() => undefined);
    running = false;
    await load;

    const output = processes.map((p) => p.output()).join('\n');
    const complete = failoverCompleteLog(output);
    const newLeader = firstNewLeader?.leader ?? complete?.to;
    let lost = 0;
    if (newLeader !== undefined) {
      const store = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: farm.endpoint(newLeader), region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
      const held = await readVersions(store, `${names.tablePrefix}-follower-${newLeader}`, [...acked.keys()]);
      lost = [...acked].filter(([key, version]) => (held.get(key) ?? 0) < version).length;
      store.destroy();
    }
    return {
      mode,
      killToFirstNewLeader200Ms: firstNewLeader === undefined ? undefined : round(firstNewLeader.at - killedAt, 1),
      newLeader,
      term: firstNewLeader?.term,
      failoverPauseMs: complete?.pauseMs,
      behindAtKill,
      caughtUpAfterKillMs,
      catchUp: complete?.catchUp,
      blockedTicks: blockedTicksIn(output),
      writesAcked: ackedCount,
      refused,
      refusedBeforeKill,
      keysChecked: acked.size,
      lost,
      ...(firstNewLeader === undefined ? { note: `no 200 from a new leader within ${options.maxWaitMs} ms of the kill` } : {}),
    };
  } finally {
    running = false;
    await load?.catch(() => undefined);
    writer?.close();
    reader?.close();
    await lag?.close();
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await farm.stop();
    await deleteTopics(createKafka(config.kafka, namespacedLogger('bench', 'ERROR')), [config.topic, config.deadLetterTopic]).catch(() => undefined);
  }
}

/**
 * How far each follower trailed when the leader was lost: the records it had not applied (its
 * committed offsets against the log end) just before the kill, and, watched from the kill on, how
 * long it took to apply all of them (undefined: not within `maxMs`). The second is the catch-up an
 * async candidate would have needed, had the detection time not covered it.
 */
class LagAtKill {
  private readonly admin: ReturnType<ReturnType<typeof createKafka>['admin']>;
  private end = new Map<number, bigint>();

  constructor(
    private readonly config: Config,
    private readonly ids: readonly string[],
  ) {
    this.admin = createKafka(config.kafka, namespacedLogger('bench', 'ERROR')).admin();
  }

  private async committed(id: string): Promise<Map<number, bigint>> {
    const [c] = await this.admin.fetchOffsets({ groupId: this.config.groupId(id), topics: [this.config.topic] });
    return new Map((c?.partitions ?? []).map((p) => [p.partition, BigInt(Math.max(0, Number(p.offset)))] as const));
  }

  async before(): Promise<Record<string, number>> {
    await this.admin.connect();
    this.end = new Map((await this.admin.fetchTopicOffsets(this.config.topic)).map((p) => [p.partition, BigInt(p.high)] as const));
    const out: Record<string, number> = {};
    for (const id of this.ids) out[id] = recordsBehind(await this.committed(id), this.end);
    return out;
  }

  async caughtUp(killedAt: number, maxMs: number): Promise<Record<string, number | undefined>> {
    const out: Record<string, number | undefined> = {};
    const pending = new Set(this.ids);
    while (pending.size > 0 && performance.now() - killedAt < maxMs) {
      for (const id of [...pending]) {
        if (recordsBehind(await this.committed(id), this.end) === 0) {
          out[id] = round(performance.now() - killedAt, 1);
          pending.delete(id);
        }
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 10));
    }
    for (const id of pending) out[id] = undefined;
    return out;
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }
}

/** Waits for a condition the load loop sets, checking every 20 ms, until the deadline. */
async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
