import { spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { type Acked, endOffsets, groupOffsets, missingAckedWrites, runReplog, seedHistory, writeHistory } from '../support/replay-helpers';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The replay's hand-over to live consumption, with the real CLI beside a running replog: writes
 * keep arriving while follower-2 is rebuilt (the runtime stops its consumer for the replay and
 * starts it again after), and a replay stopped with Ctrl-C resumes where it checkpointed.
 */
describe('replay hand-over', () => {
  let t: TestStack;
  let acked: Map<string, Acked>;

  beforeAll(async () => {
    t = await startTestStack('replay-handover', {
      env: { REPLOG_ACK_MODE: 'async', REPLOG_FOLLOWERS: 'follower-1,follower-2,follower-3' },
      followers: ['follower-2'],
    });
    acked = await seedHistory(t.stack.runtime, { writes: 5000, keys: 500 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const caughtUp = async (id: string) => {
    const [group, end] = await Promise.all([groupOffsets(t.stack.runtime, id), endOffsets(t.stack.runtime)]);
    return JSON.stringify(group) === JSON.stringify(end);
  };

  it('given writes continuing during a rebuild, verify is clean afterwards and no acknowledged write is missing', async () => {
    let stop = false;
    const writing = writeHistory(t.api, { writes: 100_000, keys: 200, concurrency: 8, prefix: 'k', stop: () => stop });
    const total = async () => Object.values(await endOffsets(t.stack.runtime)).reduce((sum, o) => sum + Number(o), 0);
    const before = await total();
    const replay = await runReplog(['replay', '--follower', 'follower-2', '--from', 'earliest', '--rebuild', '--max-rate', '2000'], t.env);
    expect(await total()).toBeGreaterThan(before);
    expect(replay.output).toMatch(/waiting for follower-2's live consumer to leave/);
    expect(replay.output).toMatch(/replay of follower-2 complete/);
    expect(replay.code).toBe(0);
    // The live consumer is back and applying what arrives after the hand-over.
    const group = t.stack.runtime.config.groupId('follower-2');
    await eventually(async () => ((await t.stack.runtime.admin.groupMembership([group])).get(group)?.members ?? 0) > 0, {
      what: 'follower-2 to rejoin its group',
      timeoutMs: 30_000,
    });
    // Writes must also land after the hand-over, so the live consumer is the one applying them.
    const atHandover = await total();
    await eventually(async () => (await total()) >= atHandover + 20, { what: 'writes to go on after the hand-over' });
    stop = true;
    for (const [key, state] of await writing) acked.set(key, state);

    await eventually(() => caughtUp('follower-2'), { what: 'follower-2 to apply everything', timeoutMs: 30_000 });
    expect(await missingAckedWrites(t.stack.runtime, 'follower-2', acked)).toEqual([]);
    const verify = await runReplog(['verify', '--follower', 'follower-2'], t.env);
    expect(verify.output).toMatch(/missing 0 {2}extra 0 {2}stale 0 {2}differing 0/);
    expect(verify.code).toBe(0);
  });

  it('given a replay interrupted with SIGINT, running it again resumes from its checkpoint and the result verifies clean', async () => {
    const args = ['replay', '--follower', 'follower-3', '--from', 'earliest', '--rebuild'];
    const first = spawnReplog([...args, '--max-rate', '800'], t.env);
    await first.ready(/\] ([2-9]\d)% \|/, 60_000);
    const exited = new Promise<number | null>((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(first.output()).toMatch(/replay of follower-3 interrupted/);
    expect(first.output()).toMatch(/run the same command again to resume/);
    const checkpoint = await groupOffsets(t.stack.runtime, 'follower-3');
    const sum = (o: Record<string, string>) => Object.values(o).reduce((s, v) => s + Number(v), 0);
    expect(sum(checkpoint)).toBeGreaterThan(0);
    expect(sum(checkpoint)).toBeLessThan(sum(await endOffsets(t.stack.runtime)));

    const second = await runReplog(args, t.env);
    expect(second.output).toMatch(/resuming the interrupted rebuild from earliest/);
    expect(second.output).toMatch(/replay of follower-3 complete \(rebuild from earliest, resumed\)/);
    expect(second.output).toContain(`from    ${Object.entries(checkpoint).map(([p, o]) => `${p}:${o}`).join(' ')}`);
    expect(second.code).toBe(0);
    expect(await caughtUp('follower-3')).toBe(true);

    const verify = await runReplog(['verify', '--follower', 'follower-3'], t.env);
    expect(verify.output).toMatch(/missing 0 {2}extra 0 {2}stale 0 {2}differing 0/);
    expect(verify.code).toBe(0);
    expect(await missingAckedWrites(t.stack.runtime, 'follower-3', acked)).toEqual([]);
  });
});
