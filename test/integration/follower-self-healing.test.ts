import { type ReplogProcess, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

interface FollowerStatus {
  id: string;
  healthy: boolean;
  lag: { events: number };
  consumer: { state: string; restarts: number; lastError: { name: string; message: string; at: string } | null } | null;
}

/**
 * A laptop sleep: the process hosting a follower is stopped (SIGSTOP) for longer than its
 * consumer's session timeout while writes go on, then continued. The group has long since
 * dropped the member; the consumer must notice, rejoin by itself and apply everything it missed.
 */
describe('a follower paused past its session timeout', () => {
  let t: TestStack;
  let f2: ReplogProcess;
  // The shared broker's group.min.session.timeout.ms is Kafka's default, 6 s.
  const SESSION_MS = 6000;

  beforeAll(async () => {
    t = await startTestStack('selfheal', {
      env: { REPLOG_ACK_MODE: 'async', REPLOG_FOLLOWER_SESSION_TIMEOUT_MS: String(SESSION_MS), REPLOG_LOG_LEVEL: 'WARN' },
      followers: ['follower-1', 'follower-3'],
    });
    f2 = spawnReplog(['follower', '--id', 'follower-2'], t.env);
    await f2.ready(/replog follower follower-2 consuming/);
  });
  afterAll(async () => {
    f2?.child.kill('SIGCONT');
    await f2?.kill();
    await t?.stop();
  });

  const status = async (id: string) =>
    ((await t.api<{ followers: FollowerStatus[] }>('GET', '/replication/status')).body.followers.find((x) => x.id === id) as FollowerStatus);

  it('given writes in flight while it sleeps, it rejoins by itself, applies every write and says in status that it restarted and why', async () => {
    for (let i = 0; i < 10; i++) expect((await t.api('PUT', `/items/before-${i}`, { i })).status).toBe(200);
    await eventually(async () => (await status('follower-2')).lag.events === 0, { what: 'follower-2 caught up', timeoutMs: 30_000 });

    f2.child.kill('SIGSTOP');
    const pausedAt = Date.now();
    let written = 0;
    // Writes go on during the whole pause; the group drops the silent member after the session timeout.
    while (Date.now() - pausedAt < SESSION_MS + 3000) {
      expect((await t.api('PUT', `/items/during-${written % 40}`, { written })).status).toBe(200);
      written += 1;
    }
    await eventually(async () => (await status('follower-2')).healthy === false, { what: 'the group to drop the paused member', timeoutMs: 20_000 });
    f2.child.kill('SIGCONT');

    const healed = await eventually(
      async () => {
        const s = await status('follower-2');
        return s.healthy && s.lag.events === 0 && s.consumer?.state === 'running' && s.consumer.restarts >= 1 ? s : undefined;
      },
      { what: 'follower-2 to rejoin and catch up', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(healed.consumer?.lastError?.message).toEqual(expect.any(String));
    expect(f2.child.exitCode).toBeNull();
    // Logged at WARN with the reason, as a structured line carrying the Error.
    const warning = f2
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; message: string; error?: { message: string } })
      .find((l) => l.message.includes('rejoin'));
    expect(warning).toMatchObject({ level: 'WARN', error: { message: expect.any(String) } });

    // Nothing was skipped: the follower table holds the leader's newest version of every key.
    for (let k = 0; k < Math.min(40, written); k++) {
      const leader = await t.api<{ version: number }>('GET', `/items/during-${k}`);
      const follower = await t.api<{ version: number }>('GET', `/items/during-${k}?replica=follower-2`);
      expect({ key: k, version: follower.body.version }).toEqual({ key: k, version: leader.body.version });
    }
  });
});
