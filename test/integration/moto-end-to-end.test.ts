import { startLocalStack, type LocalStack } from '../../src/local/local-stack';
import { type RunningEmulator, startEmulator } from '../support/emulators';
import { eventually } from '../support/eventually';
import { apiClient } from '../support/http-client';
import { runReplog, writeHistory } from '../support/replay-helpers';
import { isolatedEnv, uniqueNames } from '../support/test-names';

/**
 * replog on moto's DynamoDB instead of dynalite, end to end on the real broker: writes through the
 * HTTP API acknowledged by a follower, reads from the leader and that follower, a rebuild replay
 * of a second follower from the log, and verify finding nothing different.
 */
describe('replog on moto’s DynamoDB', () => {
  let moto: RunningEmulator;
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    moto = await startEmulator('moto');
    // follower-2 is registered but runs nowhere: only the replay fills its table.
    env = isolatedEnv(uniqueNames('moto-e2e'), moto.endpoint, { REPLOG_FOLLOWERS: 'follower-1,follower-2', AWS_REGION: 'us-east-1' });
    stack = await startLocalStack({ env, http: true, followers: ['follower-1'] });
    api = apiClient(stack.url ?? '');
  }, 600_000);
  afterAll(async () => {
    await stack?.stop();
    await moto?.stop();
  });

  it('acknowledges writes with the sync follower and reads them back from the leader and the follower', async () => {
    const put = await api('PUT', '/items/a', { n: 1 });
    expect(put.body).toMatchObject({ key: 'a', version: 1, ack: { mode: 'semi-sync', confirmedBy: ['follower-1'], degraded: false } });
    expect((await api('PUT', '/items/a', { n: 2 }, { 'if-match': '"1"' })).status).toBe(200);
    expect((await api('PUT', '/items/a', { n: 3 }, { 'if-match': '"1"' })).status).toBe(412);
    expect((await api('GET', '/items/a')).body).toMatchObject({ version: 2, value: { n: 2 }, replica: 'leader' });
    expect((await api('GET', '/items/a?replica=follower-1')).body).toMatchObject({ version: 2, value: { n: 2 }, replica: 'follower-1' });
    expect((await api('DELETE', '/items/a')).status).toBe(200);
    await eventually(async () => (await api('GET', '/items/a?replica=follower-1')).status === 404, { what: 'the tombstone on follower-1' });
  });

  it('rebuilds the second follower by replay, and verify finds it equal to the leader', async () => {
    // Four changes per `d` key end in a delete; five per `l` key end live.
    const acked = new Map([
      ...(await writeHistory(api, { writes: 120, keys: 30, concurrency: 8, prefix: 'd' })),
      ...(await writeHistory(api, { writes: 150, keys: 30, concurrency: 8, prefix: 'l' })),
    ]);
    expect([...acked.values()].filter((a) => a.deleted)).toHaveLength(30);
    const replay = await runReplog(['replay', '--follower', 'follower-2', '--from', 'earliest', '--rebuild'], env);
    expect(replay.output).toMatch(/replay of follower-2 complete \(rebuild from earliest\)/);
    expect(replay.code).toBe(0);
    const verify = await runReplog(['verify', '--follower', 'follower-2'], env);
    expect(verify.output).toMatch(/missing 0 {2}extra 0 {2}stale 0 {2}differing 0/);
    expect(verify.code).toBe(0);
    const live = [...acked.entries()].find(([, a]) => !a.deleted);
    if (!live) throw new Error('the history left no live key');
    expect((await api('GET', `/items/${live[0]}?replica=follower-2`)).body).toMatchObject({ version: live[1].version, replica: 'follower-2' });
  });
});
