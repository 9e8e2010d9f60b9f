import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { verifyFollowerTable } from '../../src/functions/follower-maintenance';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * A delayed follower (`late@delay=3s`) next to an ordinary one: it applies each event only once it
 * is three seconds old, so it lags by about its delay, never counts as sync, and then converges.
 */
describe('delayed follower', () => {
  const DELAY_MS = 3000;
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack('delayed', { env: { REPLOG_ACK_MODE: 'semi-sync', REPLOG_FOLLOWERS: `follower-1,late@delay=${DELAY_MS / 1000}s` } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const item = async (id: string, key: string) =>
    (await t.stack.runtime.documentClient.send(
      new GetCommand({ TableName: t.stack.runtime.config.tables.follower(id), Key: { pk: key }, ConsistentRead: true }),
    )).Item as { version: number; updatedAt: number; appliedAt: number } | undefined;

  it('given writes, the delayed follower applies each about its delay after the commit and then matches the leader', async () => {
    const status = await t.api<{ followers: { id: string; role: string; delayMs: number }[]; control: { syncFollower: string } }>('GET', '/replication/status');
    expect(status.body.followers.find((f) => f.id === 'late')).toMatchObject({ role: 'delayed', delayMs: DELAY_MS });
    expect(status.body.control.syncFollower).toBe('follower-1');

    const keys = Array.from({ length: 20 }, (_, i) => `d${i}`);
    for (const key of keys) {
      const put = await t.api<{ ack: { confirmedBy: string[] } }>('PUT', `/items/${key}`, { key });
      expect(put.status).toBe(200);
      expect(put.body.ack.confirmedBy).toEqual(['follower-1']);
    }
    // The sync follower already holds every write; the delayed one holds none of the recent ones.
    expect(await item('follower-1', 'd19')).toBeDefined();
    expect(await item('late', 'd19')).toBeUndefined();

    await eventually(async () => (await Promise.all(keys.map((k) => item('late', k)))).every(Boolean), {
      what: 'the delayed follower to apply every write',
      timeoutMs: DELAY_MS + 20_000,
    });
    for (const key of keys) {
      const held = await item('late', key);
      const lag = (held?.appliedAt ?? 0) - (held?.updatedAt ?? 0);
      expect(lag).toBeGreaterThanOrEqual(DELAY_MS);
      expect(lag).toBeLessThan(DELAY_MS + 5000);
    }
    const report = await verifyFollowerTable(t.stack.runtime, { followerId: 'late', repair: false });
    expect(report).toMatchObject({ matched: true, leaderItems: 20, followerItems: 20 });
  });
});
