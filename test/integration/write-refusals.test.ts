import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { startTestStack, type TestStack } from '../support/test-stack';

interface StatusBody {
  topic: { endOffsets: Record<string, string> };
  control: { revision: number; syncFollower: string };
  counters: { acks: Record<string, number> };
}

/**
 * A 4xx means nothing was written: every write route refuses before the commit, so after a refusal
 * the leader table does not hold the item, the log did not grow and no acknowledgement was counted.
 */
describe('refused writes leave no trace', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack('refusals', { env: { REPLOG_ACK_MODE: 'async', REPLOG_FOLLOWERS: 'follower-1,follower-2,follower-3,backup@delay=1h' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const status = async () => (await t.api<StatusBody>('GET', '/replication/status')).body;
  const leaderItem = async (key: string) =>
    (await t.stack.runtime.documentClient.send(new GetCommand({ TableName: t.stack.runtime.config.tables.leader, Key: { pk: key }, ConsistentRead: true }))).Item;

  it('given ack=quorum:9 with three followers that can confirm, answers 400 and commits, publishes and counts nothing', async () => {
    const before = await status();
    const res = await t.api<{ error: { code: string; message: string } }>('PUT', '/items/q9?ack=quorum:9', { n: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_QUERY');
    expect(res.body.error.message).toContain('only 3 can');
    expect(await leaderItem('q9')).toBeUndefined();
    expect((await t.api('GET', '/items/q9')).status).toBe(404);
    const after = await status();
    expect(after.topic.endOffsets).toEqual(before.topic.endOffsets);
    expect(after.counters.acks).toEqual(before.counters.acks);

    // The same quorum the roster can meet is written.
    expect((await t.api('PUT', '/items/q9?ack=quorum:3', { n: 2 })).status).toBe(200);
    expect((await leaderItem('q9'))?.version).toBe(1);
  });

  it.each([
    ['DELETE with a quorum the roster cannot meet', 'DELETE', '/items/q9?ack=quorum:4', undefined, {}, 400],
    ['a malformed If-Match', 'PUT', '/items/q9', { n: 3 }, { 'if-match': 'soon' }, 400],
    ['a stale If-Match', 'PUT', '/items/q9', { n: 3 }, { 'if-match': '"7"' }, 412],
    ['a body that is not JSON', 'PUT', '/items/q9', '{"n":', {}, 400],
    ['a write sent to a follower', 'PUT', '/items/q9?replica=follower-2', { n: 3 }, {}, 405],
    ['an unknown ack mode', 'PUT', '/items/q9?ack=all', { n: 3 }, {}, 400],
    ['a repeated ack parameter', 'PUT', '/items/q9?ack=async&ack=sync', { n: 3 }, {}, 400],
  ])('given %s, refuses before the commit', async (_what, method, path, body, headers, code) => {
    const before = await status();
    const res = await t.api(method, path, body, headers as Record<string, string>);
    expect(res.status).toBe(code);
    expect((await leaderItem('q9'))?.version).toBe(1);
    expect((await status()).topic.endOffsets).toEqual(before.topic.endOffsets);
  });

  it('given a sync-follower designation that is refused, the control state is unchanged', async () => {
    const before = await status();
    for (const [body, code] of [
      ['{"followerId": "nobody"}', 400],
      ['{"followerId": "backup"}', 409],
      ['{"followerId": 7}', 400],
    ] as const) {
      expect((await t.api('POST', '/replication/sync-follower', body)).status).toBe(code);
    }
    expect((await status()).control).toMatchObject({ revision: before.control.revision, syncFollower: before.control.syncFollower });
  });
});
