import { eventually } from '../support/eventually';
import { spawnReplog, type ReplogProcess } from '../support/child-process';
import { checkLogOrder, type LeaderView } from '../support/log-order';
import { startTestStack, type TestStack } from '../support/test-stack';
import { readWholeTopic } from '../faults/support/topic-reader';
import { awaitFollowersMatch, scanTable } from '../faults/support/replica-tables';
import { type LoadStats, startWriteLoad } from '../faults/support/write-load';

/**
 * Per key, the replication log holds versions in the leader's order. Writers hammer a few keys as
 * fast as they can for a bounded time, then a plain kafkajs consumer reads the whole topic from
 * earliest: versions strictly rise per key in offset order, each key's last record is the leader's
 * item, and every acknowledged position holds the acknowledged version or a newer one.
 */
// 8 clients on 3 keys contend on every write already at a few hundred; the log's checks do not
// get stronger with more, only slower (~8 acknowledged writes/s here through two processes).
const WRITES = Number(process.env.REPLOG_LOG_ORDER_WRITES ?? 400);
/** Bounds the writing phase; the test's own timeout leaves room for the checks after it. */
const WRITING_MS = 150_000;
const ACK_MODES = ['async', 'semi-sync', 'sync', 'quorum:2'];

async function leaderView(t: TestStack): Promise<Map<string, LeaderView>> {
  const items = await scanTable(t.stack.runtime.documentClient, t.stack.runtime.config.tables.leader);
  return new Map(
    [...items].map(([key, i]) => [key, { version: i.version, deleted: i.deleted, value: i.doc === undefined ? null : JSON.parse(i.doc) }]),
  );
}

async function expectOrderedLog(t: TestStack, stats: LoadStats): Promise<void> {
  const log = await readWholeTopic(t.stack.brokers, t.stack.runtime.config.topic);
  const report = checkLogOrder(log, await leaderView(t), stats.positions);
  process.stdout.write(
    `[log-order] ${stats.acknowledged} acknowledged of ${stats.attempted} (${JSON.stringify(stats.byStatus)}), ${report.records} records over ${report.keys} keys: ` +
      `inversions ${report.inversions.length}, repeats ${report.repeats.length}, last-not-newest ${report.lastNotNewest.length}, bad positions ${report.badPositions.length}\n`,
  );
  expect(stats.acknowledged).toBeGreaterThan(100);
  expect(report.inversions).toEqual([]);
  expect(report.repeats).toEqual([]);
  expect(report.lastNotNewest).toEqual([]);
  expect(report.badPositions).toEqual([]);
}

async function expectFollowersMatch(t: TestStack): Promise<void> {
  const { config, documentClient } = t.stack.runtime;
  const followers = config.followers.map((f) => ({ id: f.id, table: config.tables.follower(f.id) }));
  const cmp = await awaitFollowersMatch(documentClient, await scanTable(documentClient, config.tables.leader), followers, {
    timeoutMs: 30_000,
    what: 'every follower to match the leader',
  });
  expect(cmp.mismatches).toEqual([]);
}

describe('the log keeps each key\'s order', () => {
  // Stopped here too: a test that times out never reaches its finally, and a leader process left
  // running would write into the next file's broker.
  const leaders: ReplogProcess[] = [];
  afterAll(async () => {
    await Promise.all(leaders.map((p) => p.kill('SIGTERM')));
  });

  it('with 8 clients writing 3 keys through one leader process', async () => {
    const t = await startTestStack('log-order-one');
    try {
      const load = startWriteLoad({ url: () => t.url, keys: 3, workers: 8, keyPrefix: 'k', ackModes: ACK_MODES, deleteRatio: 0.1 });
      await eventually(() => load.stats.attempted >= WRITES, { timeoutMs: WRITING_MS, intervalMs: 50, what: `${WRITES} writes` });
      const stats = await load.stop();
      await expectOrderedLog(t, stats);
      await expectFollowersMatch(t);
    } finally {
      await t.stop();
    }
  }, WRITING_MS + 60_000);

  it('with 8 clients writing 3 keys through two `replog serve` processes', async () => {
    // The followers run in the test process; the two leaders are processes of their own that
    // share the store and the topic, as two Lambda containers of the leader function do.
    const t = await startTestStack('log-order-two', { http: false });
    try {
      const urls: string[] = [];
      for (let i = 0; i < 2; i++) {
        const p = spawnReplog(['serve'], t.env);
        leaders.push(p);
        await p.ready(/replog leader listening on (http:\/\/\S+)/);
        urls.push((/replog leader listening on (http:\/\/\S+)/.exec(p.output()) as RegExpExecArray)[1] as string);
      }
      let turn = 0;
      const load = startWriteLoad({ url: () => urls[turn++ % 2], keys: 3, workers: 8, keyPrefix: 'k', ackModes: ACK_MODES, deleteRatio: 0.1 });
      await eventually(() => load.stats.attempted >= WRITES, { timeoutMs: WRITING_MS, intervalMs: 50, what: `${WRITES} writes` });
      const stats = await load.stop();
      await expectOrderedLog(t, stats);
      await expectFollowersMatch(t);
    } finally {
      await Promise.all(leaders.splice(0).map((p) => p.kill('SIGTERM')));
      await t.stop();
    }
  }, WRITING_MS + 60_000);
});
