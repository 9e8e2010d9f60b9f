import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';
import { startFaultBroker, stopFaultBroker } from './support/fault-broker';
import { reportCase } from './support/fault-report';
import { scanTable, compareFollowers } from './support/replica-tables';
import { readWholeTopic } from './support/topic-reader';
import { startWriteLoad } from './support/write-load';

const FOLLOWERS = ['follower-1', 'follower-2'];
const PUBLISH_TIMEOUT_MS = 3000;
const SYNC_TIMEOUT_MS = 2000;
/** No write may take longer than this, broker or no broker. */
const ANSWER_BOUND_MS = 3 * (PUBLISH_TIMEOUT_MS + SYNC_TIMEOUT_MS);

/**
 * The broker goes away under load, cleanly (SIGTERM) and then brutally (SIGKILL), and comes back.
 * Writes must fail fast with 503 (never hang, never a 500) or succeed; every acknowledged write
 * must be in the log exactly where its answer said; afterwards the followers (which reconnect by
 * themselves) and the relay (for the writes that got a 503) bring every table to the leader's state.
 */
describe('fault: broker stopped and restarted under load', () => {
  let t: TestStack;

  afterAll(async () => {
    await t?.stop();
  });

  it('given the broker stopped and restarted twice, no acknowledged write is missing and nothing hangs', async () => {
    t = await startTestStack('brokerfault', {
      followers: 'all',
      env: {
        REPLOG_FOLLOWERS: FOLLOWERS.join(','),
        REPLOG_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
        REPLOG_SYNC_TIMEOUT_MS: String(SYNC_TIMEOUT_MS),
        REPLOG_RELAY_GRACE_MS: '2000',
        REPLOG_RELAY_INTERVAL_MS: '500',
        REPLOG_LOG_LEVEL: 'SILENT',
      },
    });
    const rt = t.stack.runtime;
    const load = startWriteLoad({
      url: () => t.url,
      keys: 200,
      workers: 4,
      keyPrefix: 'bf-',
      deleteRatio: 0.05,
      ackModes: ['async', 'semi-sync'],
      requestTimeoutMs: 60_000,
    });
    const okSince = async (since: number) =>
      eventually(() => load.stats.acknowledged > since, { timeoutMs: 90_000, intervalMs: 100, what: 'writes to be acknowledged again' });

    const outages: { how: string; downMs: number; restartMs: number; recoveredMs: number }[] = [];
    await okSince(20);
    for (const how of ['stop', 'kill'] as const) {
      const downAt = Date.now();
      await stopFaultBroker(how);
      // Keep writing against the dead broker for a while: these must all answer, fast.
      const ackedWhenDown = load.stats.acknowledged;
      await eventually(() => load.stats.byStatus['503'] !== undefined && Date.now() - downAt > 4000, { timeoutMs: 30_000, what: '503s while the broker is down' });
      const restartStarted = Date.now();
      await startFaultBroker();
      const restartMs = Date.now() - restartStarted;
      const before = load.stats.acknowledged;
      await okSince(before);
      outages.push({ how, downMs: restartStarted - downAt, restartMs, recoveredMs: Date.now() - restartStarted - restartMs });
      await okSince(before + 20);
      expect(ackedWhenDown).toBeGreaterThan(0);
    }
    const stats = await load.stop();

    // Every acknowledged write is in the log, at the position its answer gave.
    const log = await readWholeTopic(t.stack.brokers, rt.config.topic);
    const notInLog = stats.positions.filter((p) => {
      const record = log.get(`${p.partition}:${p.offset}`);
      if (!record?.value || record.key !== p.key) return true;
      return (JSON.parse(record.value) as { version: number }).version !== p.version;
    });

    // The relay republishes what got a 503; the followers apply everything.
    const leaderTable = rt.config.tables.leader;
    let leader = await scanTable(rt.documentClient, leaderTable);
    let mismatches: string[] = [];
    let compared = 0;
    await eventually(
      async () => {
        leader = await scanTable(rt.documentClient, leaderTable);
        if ([...leader.values()].some((i) => i.outboxAt !== undefined)) return false;
        ({ compared, mismatches } = await compareFollowers(
          rt.documentClient,
          leader,
          FOLLOWERS.map((id) => ({ id, table: rt.config.tables.follower(id) })),
        ));
        return mismatches.length === 0;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'relay and followers to bring every table to the leader' },
    ).catch(() => undefined);
    const marksLeft = [...leader.values()].filter((i) => i.outboxAt !== undefined).length;
    const ackedMissing = [...stats.acked].filter(([key, v]) => (leader.get(key)?.version ?? 0) < v);
    const unexpected = Object.keys(stats.byStatus).filter((s) => !['200', '404', '503', '504'].includes(s));

    reportCase('broker-restart', {
      outages: outages.map((o) => `${o.how}:down ${(o.downMs / 1000).toFixed(1)}s,restart ${(o.restartMs / 1000).toFixed(1)}s,first ack ${(o.recoveredMs / 1000).toFixed(1)}s after`).join(' | '),
      writesAttempted: stats.attempted,
      writesAcknowledged: stats.acknowledged,
      statuses: JSON.stringify(stats.byStatus),
      unanswered: stats.noAnswer,
      maxLatencyMs: stats.maxLatencyMs,
      answerBoundMs: ANSWER_BOUND_MS,
      acknowledgedPositionsChecked: stats.positions.length,
      acknowledgedNotInLog: notInLog.length,
      leaderKeys: leader.size,
      marksLeft,
      followerItemsCompared: compared,
      mismatches: mismatches.length,
      acknowledgedWritesMissing: ackedMissing.length,
    });
    expect(unexpected).toEqual([]);
    expect(stats.noAnswer).toBe(0);
    expect(stats.maxLatencyMs).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect(stats.byStatus['503'] ?? 0).toBeGreaterThan(0);
    expect(notInLog.slice(0, 10)).toEqual([]);
    expect(marksLeft).toBe(0);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(ackedMissing.slice(0, 10)).toEqual([]);
  });
});
