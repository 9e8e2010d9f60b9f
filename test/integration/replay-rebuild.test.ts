import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { endOffsets, groupOffsets, missingAckedWrites, runReplog, seedHistory } from '../support/replay-helpers';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * `replog replay --rebuild` and `replog verify` as separate processes against the real broker and
 * dynalite: a follower that never consumed is rebuilt from the log alone and verifies clean; then
 * its table is tampered with directly, verify finds each kind of difference and --repair heals it.
 */
describe('replay --rebuild and verify', () => {
  let t: TestStack;
  const followerTable = () => t.stack.runtime.config.tables.follower('follower-2');
  const client = () => t.stack.runtime.documentClient;

  beforeAll(async () => {
    // follower-2 is registered but runs nowhere: its table stays empty until the replay fills it.
    t = await startTestStack('replay-rebuild', {
      env: { REPLOG_ACK_MODE: 'async', REPLOG_FOLLOWERS: 'follower-1,follower-2' },
      followers: 'none',
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('given 5,000 writes over 500 keys with deletes, rebuilds an empty follower and verify reports zero differences', async () => {
    const acked = await seedHistory(t.stack.runtime, { writes: 5000, keys: 500 });
    expect([...acked.values()].filter((a) => a.deleted).length).toBeGreaterThan(0);
    expect(await missingAckedWrites(t.stack.runtime, 'follower-2', new Map([...acked].slice(0, 3)))).toHaveLength(3);

    const replay = await runReplog(['replay', '--follower', 'follower-2', '--from', 'earliest', '--rebuild'], t.env);
    expect(replay.output).toMatch(/replay of follower-2 complete \(rebuild from earliest\)/);
    expect(replay.output).toMatch(/read 5,000 records/);
    expect(replay.code).toBe(0);
    // The hand-over: the follower's group now stands exactly at the end of what was replayed.
    expect(await groupOffsets(t.stack.runtime, 'follower-2')).toEqual(await endOffsets(t.stack.runtime));

    const verify = await runReplog(['verify', '--follower', 'follower-2'], t.env);
    expect(verify.output).toMatch(/500 leader items, 500 follower items/);
    expect(verify.output).toMatch(/missing 0 {2}extra 0 {2}stale 0 {2}differing 0/);
    expect(verify.code).toBe(0);
    expect(await missingAckedWrites(t.stack.runtime, 'follower-2', acked)).toEqual([]);
  });

  it('given items tampered directly in the follower table, verify reports each and --repair heals them', async () => {
    // k1, k3 and k5 end live at version 10 (seedHistory deletes where (version + k) % 4 is 0).
    await client().send(
      new UpdateCommand({
        TableName: followerTable(),
        Key: { pk: 'k1' },
        UpdateExpression: 'SET doc = :doc',
        ExpressionAttributeValues: { ':doc': JSON.stringify({ tampered: true }) },
      }),
    );
    await client().send(new DeleteCommand({ TableName: followerTable(), Key: { pk: 'k3' } }));
    await client().send(
      new UpdateCommand({ TableName: followerTable(), Key: { pk: 'k5' }, UpdateExpression: 'SET version = :v', ExpressionAttributeValues: { ':v': 99 } }),
    );
    await client().send(
      new PutCommand({ TableName: followerTable(), Item: { pk: 'intruder', version: 1, deleted: false, doc: '1', updatedAt: 1 } }),
    );

    const found = await runReplog(['verify', '--follower', 'follower-2', '--settle', '1s', '--json'], t.env);
    expect(found.code).toBe(1);
    const report = JSON.parse(found.output.slice(found.output.indexOf('{'))) as {
      counts: Record<string, number>;
      differences: { key: string; kind: string }[];
    };
    expect(report.counts).toEqual({ missing: 1, extra: 1, stale: 0, differing: 2 });
    expect(report.differences.map((d) => `${d.key}:${d.kind}`).sort()).toEqual(['intruder:extra', 'k1:differing', 'k3:missing', 'k5:differing']);

    // The republished k3 is applied by follower-2's live consumer, so run it for the repair.
    const follower = spawnReplog(['follower', '--id', 'follower-2'], t.env);
    try {
      await follower.ready(/replog follower follower-2 consuming/);
      const group = t.stack.runtime.config.groupId('follower-2');
      await eventually(async () => ((await t.stack.runtime.admin.groupMembership([group])).get(group)?.members ?? 0) > 0, {
        what: 'follower-2 to join its group',
        timeoutMs: 30_000,
      });
      const repaired = await runReplog(['verify', '--follower', 'follower-2', '--repair'], t.env);
      expect(repaired.output).toMatch(/republished 1 through the log, overwrote 2 and removed 1/);
      expect(repaired.output).toMatch(/follower-2 matches the leader/);
      expect(repaired.code).toBe(0);
      const again = await runReplog(['verify', '--follower', 'follower-2'], t.env);
      expect(again.code).toBe(0);
    } finally {
      await follower.kill('SIGTERM');
    }
  });
});
