import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { verifyFollowerTable } from '../../src/functions/follower-maintenance';
import { eventually } from '../support/eventually';
import { runReplog, seedHistory } from '../support/replay-helpers';
import { startTestStack, type TestStack } from '../support/test-stack';

interface FollowerRow {
  id: string;
  role: string;
  delayMs: number;
  healthy: boolean;
}

/**
 * `replog follower add` and `remove` as separate processes beside a running replog: the new
 * follower is filled from the log, registered as async and started by the running runtime within
 * a second; removing it stops it and deletes its consumer group.
 */
describe('follower add and remove', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack('follower-admin', { env: { REPLOG_ACK_MODE: 'async', REPLOG_FOLLOWERS: 'follower-1,follower-2' } });
    await seedHistory(t.stack.runtime, { writes: 1000, keys: 100 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const followers = async () => (await t.api<{ followers: FollowerRow[] }>('GET', '/replication/status')).body.followers;
  const members = async (id: string) => {
    const group = t.stack.runtime.config.groupId(id);
    return (await t.stack.runtime.admin.groupMembership([group])).get(group)?.members ?? 0;
  };

  it('given a new follower id, fills its table from the log, registers it as async and the running replog starts it', async () => {
    const added = await runReplog(['follower', 'add', 'follower-9'], t.env);
    expect(added.output).toMatch(/replay of follower-9 complete \(rebuild from earliest\)/);
    expect(added.output).toMatch(/follower-9 registered as an async follower/);
    expect(added.code).toBe(0);

    await eventually(async () => (await followers()).find((f) => f.id === 'follower-9')?.role === 'async', { what: 'follower-9 in status' });
    await eventually(async () => (await members('follower-9')) > 0, { what: 'follower-9 to be started', timeoutMs: 30_000 });

    const put = await t.api('PUT', '/items/after-add', { n: 1 });
    expect(put.status).toBe(200);
    await eventually(async () => (await t.api('GET', '/items/after-add?replica=follower-9')).status === 200, { what: 'a new write on follower-9' });
    expect(await verifyFollowerTable(t.stack.runtime, { followerId: 'follower-9', repair: false })).toMatchObject({ matched: true, leaderItems: 101 });

    const again = await runReplog(['follower', 'add', 'follower-9'], t.env);
    expect(again.output).toMatch(/follower-9 is already a follower/);
    expect(again.code).toBe(1);
  });

  it('given another run adding the same follower right now, refuses before creating anything', async () => {
    const now = Date.now();
    const claimed = await t.stack.runtime.replayJournal.claim(
      { followerId: 'follower-8', mode: 'rebuild', from: 'earliest', phase: 'replaying', starts: {}, targets: {}, progress: {}, owner: 'other-host:1:abc', startedAt: now, heartbeatAt: now, runs: 1 },
      now,
      15_000,
    );
    expect(claimed).toBe(true);
    const refused = await runReplog(['follower', 'add', 'follower-8'], t.env);
    expect(refused.output).toContain('follower-8 is being added by another run (other-host:1:abc)');
    expect(refused.code).toBe(1);
    // Asked by name: the run's store holds every file's tables, more than one ListTables page.
    await expect(
      t.stack.runtime.documentClient.send(new DescribeTableCommand({ TableName: t.stack.runtime.config.tables.follower('follower-8') })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await t.stack.runtime.replayJournal.remove('follower-8');
  });

  it('given --delay and --no-replay, registers a delayed follower that fills its own table, and status shows its intended delay', async () => {
    const added = await runReplog(['follower', 'add', 'backup', '--delay', '2s', '--no-replay'], t.env);
    expect(added.output).not.toMatch(/replay of backup/);
    expect(added.output).toMatch(/backup registered as a delayed follower/);
    expect(added.code).toBe(0);
    await eventually(async () => (await followers()).find((f) => f.id === 'backup'), { what: 'backup in status' });
    expect((await followers()).find((f) => f.id === 'backup')).toMatchObject({ role: 'delayed', delayMs: 2000 });
    // Its consumer group starts at the log start, so it catches up by itself (events are old enough).
    await eventually(async () => (await t.api('GET', '/items/k1?replica=backup')).status === 200, {
      what: 'backup to catch up from the log',
      timeoutMs: 30_000,
    });
  });

  it('given a registered follower, removes it, stops it and deletes its consumer group; the sync follower cannot be removed', async () => {
    const removed = await runReplog(['follower', 'remove', 'follower-9'], t.env);
    expect(removed.output).toMatch(/follower-9 removed from the control state/);
    expect(removed.output).toMatch(/consumer group \S+ deleted/);
    expect(removed.code).toBe(0);
    expect((await followers()).map((f) => f.id)).not.toContain('follower-9');
    expect(await members('follower-9')).toBe(0);
    expect(t.stack.followers.has('follower-9')).toBe(false);

    const sync = await runReplog(['follower', 'remove', 'follower-1'], t.env);
    expect(sync.output).toMatch(/follower-1 is the sync follower/);
    expect(sync.code).toBe(1);
  });
});
