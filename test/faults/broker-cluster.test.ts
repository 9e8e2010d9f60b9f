import { MAIN_REPLICA } from '../../src/config/replica-settings';
import { PROMOTION_READ_MIN_MS } from '../../src/core/replication-acknowledger';
import { inspectReplication } from '../../src/core/replication-inspector';
import { eventually } from '../support/eventually';
import { checkLogOrder } from '../support/log-order';
import { startTestStack, type TestStack } from '../support/test-stack';
import { activeController, CLUSTER_BROKERS, type ClusterAdmin, clusterAdmin, clusterBootstrap, clusterCommand, clusterRss } from './support/fault-cluster';
import { reportCase } from './support/fault-report';
import { awaitFollowersMatch, readVersions, scanTable, type ItemState } from './support/replica-tables';
import { readWholeTopic } from './support/topic-reader';
import { type LoadStats, type RunningLoad, startWriteLoad } from './support/write-load';
import { faultRepeats } from './support/fault-tier';

const FOLLOWERS = ['follower-1', 'follower-2'];
const PUBLISH_TIMEOUT_MS = 3000;
const SYNC_TIMEOUT_MS = 2000;
/** How long the acknowledger gives a promotion's read of the log (replication-acknowledger.ts). */
const PROMOTION_READ_MS = Math.max(SYNC_TIMEOUT_MS, PROMOTION_READ_MIN_MS);
/**
 * The longest a write may take, in time the leader's process could run: its publish lease, then a
 * semi-sync wait that times out (the sync follower's group coordinator frozen), a promotion's read
 * of the log (bounded by the sync timeout, at least PROMOTION_READ_MIN_MS) and the wait on the
 * promoted follower, plus 2 s for the store round trips and HTTP on a loaded machine.
 */
const ANSWER_BOUND_MS = PUBLISH_TIMEOUT_MS + SYNC_TIMEOUT_MS + PROMOTION_READ_MS + SYNC_TIMEOUT_MS + 2000;
/**
 * Kills of the partition-leader case: 2 in the CI tier (each kill and restart costs ~13 s of CI
 * here; the second shows a producer that recovered once recovers again), 25 in the long tier,
 * any number with REPLOG_FAULT_CLUSTER_KILLS.
 */
const KILLS = faultRepeats('REPLOG_FAULT_CLUSTER_KILLS', { ci: 2, long: 25 });
const KEYS = 300;
const CLIENTS = 8;

/**
 * The replication log as users run it: three brokers and three dedicated KRaft controllers
 * (scripts/kafka, KAFKA_NODES=3), the topic at RF 3 with min.insync.replicas 2 and no unclean
 * elections, as replog creates it. Brokers and controllers are JVMs of their own, SIGKILLed and
 * SIGSTOPped under load from 8 clients (async and semi-sync). After each case: every write that
 * got a 200 is in the log at the position its answer gave, no key's versions go back in the log,
 * each key's last record is the leader's state, every follower equals the leader and none of the
 * versions a poller saw on a follower ever went back.
 */
interface Refusal {
  code?: string;
  message?: string;
  details?: { committedOnLeader?: boolean; key?: string; version?: number; reason?: string };
}

/** The error of a refusal's body (`{ error: { code, message, details, retriable } }`). */
const refusalOf = (body: unknown): Refusal => ((body as { error?: Refusal } | undefined)?.error ?? {}) as Refusal;

describe('fault: a 3-broker log cluster', () => {
  let admin: ClusterAdmin;
  let t: TestStack | undefined;
  let load: RunningLoad | undefined;

  beforeAll(async () => {
    await clusterCommand('reset');
    const { ms } = await clusterCommand('start');
    const rss = await clusterRss();
    process.stdout.write(`\n[faults] cluster ${clusterBootstrap} (3 brokers, 3 controllers) started in ${(ms / 1000).toFixed(1)} s; RSS MB ${JSON.stringify(rss)}\n`);
    admin = clusterAdmin();
  }, 300_000);

  afterEach(async () => {
    await load?.stop();
    load = undefined;
    await t?.stop();
    t = undefined;
    // A case that failed half-way leaves no node stopped or frozen for the next.
    for (const node of ['1', '2', '3', 'c1', 'c2', 'c3']) await clusterCommand('resume', node).catch(() => undefined);
    await clusterCommand('start');
  }, 300_000);

  afterAll(async () => {
    await admin?.close();
    await clusterCommand('stop');
  }, 120_000);

  /**
   * A stack of its own (topic, tables, groups) on the cluster: the leader, its followers and the
   * relay in this process, each replica's store a process of its own.
   */
  const startOnCluster = async (label: string) => {
    t = await startTestStack(label, {
      followers: 'all',
      separateStores: true,
      env: {
        KAFKA_BROKERS: clusterBootstrap,
        REPLOG_FOLLOWERS: FOLLOWERS.join(','),
        REPLOG_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
        REPLOG_SYNC_TIMEOUT_MS: String(SYNC_TIMEOUT_MS),
        REPLOG_RELAY_GRACE_MS: '2000',
        REPLOG_RELAY_INTERVAL_MS: '500',
        REPLOG_FOLLOWER_SESSION_TIMEOUT_MS: '3000',
        REPLOG_LOG_LEVEL: process.env.REPLOG_FAULT_CLUSTER_LOG_LEVEL ?? 'SILENT',
      },
    });
    const topic = t.stack.runtime.config.topic;
    const config = await admin.topicConfig(topic, ['min.insync.replicas', 'unclean.leader.election.enable']);
    const partitions = await admin.partitions(topic);
    expect(config).toEqual({ 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'false' });
    expect(partitions.map((p) => p.replicas.length)).toEqual(partitions.map(() => CLUSTER_BROKERS));
    return t;
  };

  const startLoad = (prefix: string) => {
    load = startWriteLoad({
      url: () => t?.url,
      keys: KEYS,
      workers: CLIENTS,
      keyPrefix: prefix,
      deleteRatio: 0.05,
      ackModes: ['async', 'semi-sync'],
      requestTimeoutMs: 60_000,
      stalls: t?.stack.runtime.stalls,
    });
    return load;
  };

  /** Polls the followers' tables: a version seen must never be followed by an older one. */
  const startPoller = (stack: TestStack, prefix: string) => {
    const rt = stack.stack.runtime;
    const keys = Array.from({ length: 60 }, (_, i) => `${prefix}${i * 5}`);
    const seen = new Map<string, number>();
    const state = { samples: 0, regressions: [] as string[], running: true };
    const done = (async () => {
      while (state.running) {
        for (const id of FOLLOWERS) {
          const versions = await readVersions(rt.replicaClient(id), rt.config.tables.replica(id), keys).catch(() => new Map<string, number>());
          for (const [k, v] of versions) {
            state.samples++;
            const before = seen.get(`${id}/${k}`) ?? 0;
            if (v < before) state.regressions.push(`${id}/${k}: ${before} → ${v}`);
            seen.set(`${id}/${k}`, v);
          }
        }
        // A poller's pace, not a wait for a condition: it leaves the store to the writers.
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return {
      state,
      async stop() {
        state.running = false;
        await done;
        return state;
      },
    };
  };

  /**
   * A semi-sync promotion's read of the log (strict, bounded), over and over until stopped: the
   * time each took to answer or refuse.
   */
  const startPromotionReads = (stack: TestStack) => {
    const rt = stack.stack.runtime;
    const took: number[] = [];
    let running = true;
    const done = (async () => {
      while (running) {
        const state = await rt.roster.current();
        const started = Date.now();
        await inspectReplication(rt.replicationSources, state, { timeoutMs: PROMOTION_READ_MS }).catch(() => undefined);
        took.push(Date.now() - started);
        // A pace, not a wait for a condition: a promotion is not sent back to back either.
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return {
      async stop() {
        running = false;
        await done;
        return took;
      },
    };
  };

  const acknowledgedSince = (stats: LoadStats, since: number, partitions?: readonly number[]) =>
    stats.timeline.find((e) => e.status === 200 && e.startedAt >= since && (partitions === undefined || partitions.includes(e.partition ?? -1)));

  /** Until every partition of the topic has all three replicas in sync again. */
  const awaitFullIsr = (topic: string, timeoutMs = 90_000) =>
    eventually(async () => (await admin.partitions(topic)).every((p) => p.isr.length === CLUSTER_BROKERS && p.leader > 0), {
      timeoutMs,
      intervalMs: 200,
      what: 'every partition to have its three replicas in sync',
    });

  /**
   * After the load stopped: the relay publishes what got a 503, the followers apply everything;
   * then the log's contract and the tables are checked, and the counts reported.
   */
  const settleAndCheck = async (name: string, stack: TestStack, stats: LoadStats, extra: Record<string, number | string>) => {
    const rt = stack.stack.runtime;
    let leader = new Map<string, ItemState>();
    await eventually(
      async () => {
        leader = await scanTable(rt.replicaClient(MAIN_REPLICA), rt.config.tables.replica(MAIN_REPLICA));
        return [...leader.values()].every((i) => i.outboxAt === undefined);
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the relay to clear every outbox mark' },
    ).catch(() => undefined);
    const marksLeft = [...leader.values()].filter((i) => i.outboxAt !== undefined).length;
    let compared = 0;
    const mismatches: string[] = [];
    for (const id of FOLLOWERS) {
      const cmp = await awaitFollowersMatch(rt.replicaClient(id), leader, [{ id, table: rt.config.tables.replica(id) }], { timeoutMs: 60_000, what: `${id} to equal the leader` });
      compared += cmp.compared;
      mismatches.push(...cmp.mismatches);
    }
    const log = await readWholeTopic(clusterBootstrap.split(','), rt.config.topic);
    const leaderView = new Map([...leader].map(([key, i]) => [key, { version: i.version, deleted: i.deleted, value: i.doc === undefined ? null : JSON.parse(i.doc) }]));
    const order = checkLogOrder(log, leaderView, stats.positions);
    const ackedMissing = [...stats.acked].filter(([key, v]) => (leader.get(key)?.version ?? 0) < v);
    const unexpected = Object.keys(stats.byStatus).filter((s) => !['200', '404', '503', '504'].includes(s));
    const acked = stats.timeline.filter((e) => e.status === 200).map((e) => e.endedAt - e.startedAt).sort((a, b) => a - b);
    // What the refusals said, with the keys and numbers taken out so equal reasons count together.
    const reasons = new Map<string, number>();
    for (const r of stats.refusals) {
      const message = refusalOf(r.body).message ?? JSON.stringify(r.body);
      const reason = `${r.status} ${message.replace(/"[^"]*"/g, 'K').replace(/\d+/g, 'N').slice(0, 140)}`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    reportCase(name, {
      ...extra,
      writesAttempted: stats.attempted,
      writesAcknowledged: stats.acknowledged,
      statuses: JSON.stringify(stats.byStatus),
      unanswered: stats.noAnswer,
      maxLatencyMs: stats.maxLatencyMs,
      maxRunningLatencyMs: stats.maxRunningLatencyMs,
      ackedP50Ms: acked[Math.floor(acked.length / 2)] ?? 0,
      ackedP99Ms: acked[Math.floor(acked.length * 0.99)] ?? 0,
      refusalReasons: JSON.stringify(Object.fromEntries(reasons)),
      logRecords: order.records,
      acknowledgedNotAtPosition: order.badPositions.length,
      outOfOrder: order.inversions.length,
      // A version again right after itself: the relay republished a write that got a 503 but had
      // reached the log (NOT_ENOUGH_REPLICAS_AFTER_APPEND, an answer lost in a leader move).
      republishedRecords: order.repeats.length,
      lastRecordNotNewest: order.lastNotNewest.length,
      leaderKeys: leader.size,
      marksLeft,
      followerItemsCompared: compared,
      mismatches: mismatches.length,
      acknowledgedWritesMissing: ackedMissing.length,
    });
    // Where the slowest answers' time went (stages, how they were acknowledged), said before the bound is checked.
    const slowest = stats.slowest.slice(0, 3).map((a) => ({ ...a, startedAtMs: a.startedAt - (stats.timeline[0]?.startedAt ?? a.startedAt) }));
    process.stdout.write(`[fault] ${name} slowest answers: ${JSON.stringify(slowest)}\n`);
    expect(unexpected).toEqual([]);
    expect(stats.noAnswer).toBe(0);
    expect(stats.maxRunningLatencyMs).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect(order.badPositions.slice(0, 10)).toEqual([]);
    expect(order.inversions.slice(0, 10)).toEqual([]);
    expect(order.lastNotNewest.slice(0, 10)).toEqual([]);
    expect(marksLeft).toBe(0);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(ackedMissing.slice(0, 10)).toEqual([]);
    return { leader, log };
  };

  it(`given the partition-leader broker SIGKILLed and restarted ${KILLS} times under load, every acknowledged write is in the log where its answer said and on every follower`, async () => {
    const stack = await startOnCluster('clusterleaderkill');
    const topic = stack.stack.runtime.config.topic;
    const running = startLoad('lk-');
    const poller = startPoller(stack, 'lk-');
    await eventually(() => running.stats.acknowledged >= 50, { timeoutMs: 60_000, what: 'writes before the first kill' });
    const kills: { node: number; partitions: number[]; unavailableMs: number; restartMs: number; isrBackMs: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      await awaitFullIsr(topic);
      const partitions = await admin.partitions(topic);
      // The broker leading the partition whose turn it is, and every partition it leads.
      const victim = partitions[k % partitions.length]?.leader as number;
      const led = partitions.filter((p) => p.leader === victim).map((p) => p.partition);
      const downAt = Date.now();
      await clusterCommand('kill', String(victim));
      await eventually(() => acknowledgedSince(running.stats, downAt, led), { timeoutMs: 60_000, intervalMs: 20, what: `a write on partitions ${led} after broker ${victim} died` });
      const first = acknowledgedSince(running.stats, downAt, led);
      const restart = await clusterCommand('start', String(victim));
      const restartedAt = Date.now();
      await awaitFullIsr(topic);
      kills.push({ node: victim, partitions: led, unavailableMs: (first?.endedAt ?? downAt) - downAt, restartMs: restart.ms, isrBackMs: Date.now() - restartedAt });
    }
    const before = running.stats.acknowledged;
    await eventually(() => running.stats.acknowledged > before + 50, { timeoutMs: 60_000, what: 'writes after the last restart' });
    const stats = await running.stop();
    const polled = await poller.stop();
    const unavailable = kills.map((k) => k.unavailableMs).sort((a, b) => a - b);
    await settleAndCheck('cluster-leader-kill', stack, stats, {
      kills: kills.length,
      victims: kills.map((k) => k.node).join(','),
      unavailableMsPerKill: kills.map((k) => k.unavailableMs).join(','),
      unavailableMsMedian: unavailable[Math.floor(unavailable.length / 2)] ?? 0,
      unavailableMsMax: unavailable[unavailable.length - 1] ?? 0,
      restartMsPerKill: kills.map((k) => k.restartMs).join(','),
      isrBackMsPerKill: kills.map((k) => k.isrBackMs).join(','),
      followerSamples: polled.samples,
      regressions: polled.regressions.length,
    });
    expect(kills).toHaveLength(KILLS);
    expect(polled.regressions.slice(0, 10)).toEqual([]);
  });

  it('given a partition-leader broker SIGSTOPped past its session and resumed (a zombie), nothing acknowledged is lost or out of order', async () => {
    const stack = await startOnCluster('clusterzombie');
    const topic = stack.stack.runtime.config.topic;
    const running = startLoad('zb-');
    const poller = startPoller(stack, 'zb-');
    await eventually(() => running.stats.acknowledged >= 50, { timeoutMs: 60_000, what: 'writes before the pause' });
    await awaitFullIsr(topic);
    const partitions = await admin.partitions(topic);
    const victim = partitions[0]?.leader as number;
    const led = partitions.filter((p) => p.leader === victim).map((p) => p.partition);
    const pausedAt = Date.now();
    await clusterCommand('pause', String(victim));
    const promotionReads = startPromotionReads(stack);
    // Its session (broker.session.timeout.ms = 4 s) ends and the controller moves its leaders away.
    const moved = await eventually(
      async () => {
        const now = await admin.partitions(topic);
        return led.every((p) => {
          const leader = now.find((q) => q.partition === p)?.leader;
          return leader !== undefined && leader > 0 && leader !== victim;
        }) && now;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `the partitions broker ${victim} led to get another leader` },
    );
    const movedMs = Date.now() - pausedAt;
    await eventually(() => acknowledgedSince(running.stats, pausedAt + movedMs, led), { timeoutMs: 60_000, what: 'writes on the moved partitions' });
    const firstAck = acknowledgedSince(running.stats, pausedAt, led);
    // Stays frozen well past its session, while the others take writes, then wakes up believing it leads.
    const frozenUntil = pausedAt + 10_000;
    await eventually(() => Date.now() >= frozenUntil && running.stats.acknowledged > 0, { timeoutMs: 30_000, intervalMs: 100, what: 'the pause to last 10 s' });
    const promotionReadMs = await promotionReads.stop();
    await clusterCommand('resume', String(victim));
    const resumedAt = Date.now();
    await awaitFullIsr(topic);
    const isrBackMs = Date.now() - resumedAt;
    const after = running.stats.acknowledged;
    await eventually(() => running.stats.acknowledged > after + 50, { timeoutMs: 60_000, what: 'writes after the zombie woke' });
    const stats = await running.stop();
    const polled = await poller.stop();
    await settleAndCheck('cluster-zombie', stack, stats, {
      victim,
      pausedMs: resumedAt - pausedAt,
      leadersMovedMs: movedMs,
      firstAckOnMovedPartitionsMs: (firstAck?.endedAt ?? pausedAt) - pausedAt,
      newLeaders: led.map((p) => `${p}:${moved.find((q) => q.partition === p)?.leader}`).join(','),
      isrBackMs,
      promotionReads: promotionReadMs.length,
      promotionReadMaxMs: Math.max(0, ...promotionReadMs),
      followerSamples: polled.samples,
      regressions: polled.regressions.length,
    });
    expect(polled.regressions.slice(0, 10)).toEqual([]);
    // A promotion's read of the log keeps to its bound with a broker frozen, whatever it reads.
    expect(promotionReadMs.length).toBeGreaterThan(0);
    expect(Math.max(...promotionReadMs)).toBeLessThanOrEqual(PROMOTION_READ_MS + 1000);
  });

  it('given two of three brokers down (below min ISR), writes answer 503 within the publish timeout, committed on the leader, and are relayed once the brokers return', async () => {
    const stack = await startOnCluster('clustertwodown');
    const topic = stack.stack.runtime.config.topic;
    const running = startLoad('td-');
    await eventually(() => running.stats.acknowledged >= 50, { timeoutMs: 60_000, what: 'writes before the outage' });
    await awaitFullIsr(topic);
    const downAt = Date.now();
    await Promise.all([clusterCommand('kill', '2'), clusterCommand('kill', '3')]);
    // Long enough for several publish timeouts against the one broker left.
    await eventually(() => Date.now() - downAt >= 4 * PUBLISH_TIMEOUT_MS, { timeoutMs: 60_000, intervalMs: 100, what: 'the outage to last' });
    // Status answers while the log is below min ISR, and says so: that is when it matters most.
    const statusAsked = Date.now();
    const status = await stack.api<{ partial: boolean; topic: { durability: { state?: string; belowMinIsrPartitions?: number[]; offlinePartitions?: number[] } | null }; followers: { id: string; healthy: boolean }[] }>('GET', '/replication/status');
    const statusMs = Date.now() - statusAsked;
    const restartAt = Date.now();
    await Promise.all([clusterCommand('start', '2'), clusterCommand('start', '3')]);
    const restartMs = Date.now() - restartAt;
    await eventually(() => acknowledgedSince(running.stats, restartAt), { timeoutMs: 90_000, intervalMs: 50, what: 'a write acknowledged after the brokers returned' });
    const firstAck = acknowledgedSince(running.stats, restartAt);
    await awaitFullIsr(topic);
    const after = running.stats.acknowledged;
    await eventually(() => running.stats.acknowledged > after + 50, { timeoutMs: 60_000, what: 'writes after the outage' });
    const stats = await running.stop();

    // What was answered while two brokers were down, and what the refusals said.
    const during = stats.timeline.filter((e) => e.startedAt >= downAt + PUBLISH_TIMEOUT_MS && e.endedAt <= restartAt);
    const refused = stats.refusals.filter((r) => r.startedAt >= downAt && r.startedAt + r.ms <= restartAt);
    const bodies = refused.map((r) => refusalOf(r.body));
    const committedRefusals = bodies.filter((b) => b.details?.committedOnLeader === true);
    const { leader } = await settleAndCheck('cluster-two-down', stack, stats, {
      outageMs: restartAt - downAt,
      restartMs,
      firstAckAfterRestartMs: (firstAck?.endedAt ?? restartAt) - restartAt,
      answeredDuringOutage: during.length,
      acknowledgedDuringOutage: during.filter((e) => e.status === 200).length,
      refusedDuringOutage: refused.length,
      refusalsCommittedOnLeader: committedRefusals.length,
      refusalsNotEnoughReplicas: bodies.filter((b) => b.details?.reason?.startsWith('NOT_ENOUGH_REPLICAS')).length,
      slowestRefusalMs: Math.max(0, ...refused.map((r) => r.ms)),
      statusDuringOutage: status.status,
      statusMs,
      statusDurability: status.body?.topic.durability?.state ?? 'unknown',
      statusPartial: String(status.body?.partial),
    });
    expect(status.status).toBe(200);
    expect(['below-min-isr', 'offline']).toContain(status.body?.topic.durability?.state);
    // Below min ISR a write never hangs: a 503 within the publish lease plus the semi-sync wait.
    expect(refused.length).toBeGreaterThan(0);
    expect(Math.max(...refused.map((r) => r.ms))).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + SYNC_TIMEOUT_MS + 1000);
    expect(refused.every((r) => r.status === 503)).toBe(true);
    // Honest: each refusal says the write is committed on the leader, and it is, and the relay put it in the log.
    expect(committedRefusals.length).toBeGreaterThan(0);
    const notOnLeader = committedRefusals.filter((b) => (leader.get(b.details?.key ?? '')?.version ?? 0) < (b.details?.version ?? 0));
    expect(notOnLeader.slice(0, 10)).toEqual([]);
  });

  it('given the active controller SIGKILLed under load, another takes over and writes go on', async () => {
    const stack = await startOnCluster('clustercontroller');
    const topic = stack.stack.runtime.config.topic;
    const running = startLoad('cc-');
    const poller = startPoller(stack, 'cc-');
    await eventually(() => running.stats.acknowledged >= 50, { timeoutMs: 60_000, what: 'writes before the kill' });
    await awaitFullIsr(topic);
    const victim = await activeController();
    const killedAt = Date.now();
    await clusterCommand('kill', victim);
    const successor = await eventually(
      async () => {
        const now = await activeController().catch(() => '');
        return now !== '' && now !== victim && now;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'another controller to lead the quorum' },
    );
    const electedMs = Date.now() - killedAt;
    // With the new controller in charge, a broker failure is still handled: leadership moves.
    const partitions = await admin.partitions(topic);
    const broker = partitions[0]?.leader as number;
    const led = partitions.filter((p) => p.leader === broker).map((p) => p.partition);
    const brokerDownAt = Date.now();
    await clusterCommand('kill', String(broker));
    await eventually(() => acknowledgedSince(running.stats, brokerDownAt, led), { timeoutMs: 60_000, intervalMs: 20, what: 'writes after a broker died under the new controller' });
    const firstAck = acknowledgedSince(running.stats, brokerDownAt, led);
    await clusterCommand('start', String(broker));
    await clusterCommand('start', victim);
    await awaitFullIsr(topic);
    const after = running.stats.acknowledged;
    await eventually(() => running.stats.acknowledged > after + 50, { timeoutMs: 60_000, what: 'writes after the controller returned' });
    const stats = await running.stop();
    const polled = await poller.stop();
    // The longest stretch without a successful answer from the controller kill to the broker kill.
    const oks = stats.timeline.filter((e) => e.status === 200 && e.endedAt >= killedAt && e.endedAt <= brokerDownAt).map((e) => e.endedAt).sort((a, b) => a - b);
    const gaps = [killedAt, ...oks].slice(1).map((at, i) => at - ([killedAt, ...oks][i] as number));
    await settleAndCheck('cluster-controller-loss', stack, stats, {
      killedController: victim,
      newController: successor,
      electedMs,
      longestGapWithoutAckMs: Math.max(0, ...gaps),
      acknowledgedBetweenKills: oks.length,
      brokerKilledUnderNewController: broker,
      unavailableAfterBrokerKillMs: (firstAck?.endedAt ?? brokerDownAt) - brokerDownAt,
      followerSamples: polled.samples,
      regressions: polled.regressions.length,
    });
    expect(oks.length).toBeGreaterThan(0);
    expect(polled.regressions.slice(0, 10)).toEqual([]);
  });
});
