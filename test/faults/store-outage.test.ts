import { type LocalStack, startLocalStack } from '../../src/local/local-stack';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';
import { type CuttableProxy, startCuttableProxy } from './support/cuttable-proxy';
import { reportCase } from './support/fault-report';
import { scanTable, awaitFollowersMatch } from './support/replica-tables';
import { startWriteLoad } from './support/write-load';

const FOLLOWERS = ['follower-1', 'follower-2'];
const OUTAGES = 2;

/**
 * Transient store failures on the follower side: the followers reach DynamoDB (dynalite) through
 * a proxy that is cut twice under load while the leader keeps writing. Failed batches must be
 * retried with backoff, never skipped: every write goes to a fresh key, so a skipped event would
 * leave a key missing on a follower.
 */
describe('fault: follower store unreachable for a while', () => {
  let t: TestStack;
  let followers: LocalStack;
  let proxy: CuttableProxy;

  afterAll(async () => {
    await followers?.stop();
    await proxy?.close();
    await t?.stop();
  });

  it('given the followers cut off from DynamoDB twice under load, they retry the same batches and skip nothing', async () => {
    t = await startTestStack('storeoutage', {
      followers: 'none',
      env: { REPLOG_FOLLOWERS: FOLLOWERS.join(','), REPLOG_ACK_MODE: 'async', REPLOG_LOG_LEVEL: 'SILENT' },
    });
    const rt = t.stack.runtime;
    proxy = await startCuttableProxy(Number(new URL(t.dynamo.endpoint).port));
    followers = await startLocalStack({ env: { ...t.env, DYNAMODB_ENDPOINT: `http://127.0.0.1:${proxy.port}` }, http: false, followers: 'all' });
    const groups = FOLLOWERS.map((id) => rt.config.groupId(id));
    const committed = async () => {
      const offsets = await rt.admin.committedOffsets(groups);
      return groups.map((g) => [...(offsets.get(g)?.values() ?? [])].reduce((a, b) => a + b, 0n));
    };
    const logEnd = async () => [...(await rt.admin.endOffsets()).high.values()].reduce((a, b) => a + b, 0n);

    const load = startWriteLoad({ url: () => t.url, keys: 0, uniqueKeys: true, workers: 3, keyPrefix: 'so-' });
    const outages: string[] = [];
    let stalledWhileCut = 0;
    for (let i = 0; i < OUTAGES; i++) {
      const ackedBefore = load.stats.acknowledged;
      await eventually(() => load.stats.acknowledged > ackedBefore + 20, { timeoutMs: 60_000, what: 'writes before the cut' });
      await proxy.cut();
      const cutAt = Date.now();
      const endAtCut = await logEnd();
      // Let in-flight batches fail, then watch: the log grows, the followers' committed offsets do not.
      await eventually(async () => (await logEnd()) > endAtCut + 20n && Date.now() - cutAt > 2000, { timeoutMs: 60_000, what: 'the log to grow during the cut' });
      const committedDuringCut = await committed();
      await eventually(async () => (await logEnd()) > endAtCut + 40n && Date.now() - cutAt > 4000, { timeoutMs: 60_000, what: 'more writes during the cut' });
      const committedAtRestore = await committed();
      const endAtRestore = await logEnd();
      const backlog = committedAtRestore.map((c) => String(endAtRestore - c)).join('/');
      if (committedAtRestore.every((c, k) => c === committedDuringCut[k])) stalledWhileCut += 1;
      await proxy.restore();
      const restoredAt = Date.now();
      await eventually(async () => (await committed()).every((c, k) => c > (committedAtRestore[k] ?? 0n)), {
        timeoutMs: 60_000,
        what: 'followers to resume after the store came back',
      });
      outages.push(`cut ${((restoredAt - cutAt) / 1000).toFixed(1)}s backlog ${backlog} resumed after ${((Date.now() - restoredAt) / 1000).toFixed(1)}s`);
    }
    const stats = await load.stop();

    const leader = await scanTable(rt.documentClient, rt.config.tables.leader);
    const { compared, mismatches } = await awaitFollowersMatch(
      rt.documentClient,
      leader,
      FOLLOWERS.map((id) => ({ id, table: rt.config.tables.follower(id) })),
      { timeoutMs: 60_000, what: 'followers to hold every key' },
    );
    const ackedMissing = [...stats.acked].filter(([key, v]) => (leader.get(key)?.version ?? 0) < v);

    reportCase('store-outage', {
      outages: outages.join(' | '),
      stalledWhileCut,
      writesAttempted: stats.attempted,
      writesAcknowledged: stats.acknowledged,
      statuses: JSON.stringify(stats.byStatus),
      uniqueKeysWritten: leader.size,
      followerItemsCompared: compared,
      mismatches: mismatches.length,
      acknowledgedWritesMissing: ackedMissing.length,
    });
    expect(stalledWhileCut).toBe(OUTAGES);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(ackedMissing).toEqual([]);
    expect(stats.byStatus['200']).toBe(stats.attempted);
  });
});
