import { Kafka, logLevel } from 'kafkajs';
import { LocalStoreFarm } from '../../src/local/store-farm';
import { compareReplica, readVersions, scanTable } from '../faults/support/replica-tables';
import { type ReplogProcess, runReplogToEnd, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { storeClient } from '../support/store-client';
import { apiClient } from '../support/http-client';
import { silentLog } from '../support/in-memory-stores';
import { brokers, isolatedEnv, uniqueNames } from '../support/test-names';

const REPLICAS = ['main', 'follower-1', 'follower-2'];
const CLIENTS = 8;
const KEYS = 400;

interface WriteAnswer {
  version: number;
  term: number;
  leader: string;
  error?: { code: string };
}

interface StatusDoc {
  leader: { replica: string; term: number; state: string; history: { term: number; pauseMs: number }[] };
  followers: { id: string; fencedRefusals: number; lag: { events: number } }[];
}

const clientFor = storeClient;

/**
 * The leader as a role, with every part a process of its own: each replica's store and the
 * control store (separate dynalite processes), the leader (`replog serve`), one `replog follower`
 * per replica (main included: it follows once it no longer leads) and the switchover itself
 * (`replog failover` and POST /replication/leader).
 */
describe('planned switchover (real processes, a store per replica)', () => {
  const names = uniqueNames('switchover');
  let farm: LocalStoreFarm;
  let env: NodeJS.ProcessEnv;
  let serve: ReplogProcess;
  let url: string;
  const followers = new Map<string, ReplogProcess>();
  const extra: ReplogProcess[] = [];
  const tableOf = (id: string) => (id === 'main' ? `${names.tablePrefix}-leader` : `${names.tablePrefix}-follower-${id}`);
  const api = () => apiClient(url);

  beforeAll(async () => {
    farm = await LocalStoreFarm.start([{ id: 'control' }, ...REPLICAS.map((id) => ({ id }))], { log: silentLog, restartDelayMs: 0 });
    env = isolatedEnv(names, farm.endpoint('control'), {
      REPLOG_CONTROL_ENDPOINT: farm.endpoint('control'),
      REPLOG_REPLICA_ENDPOINTS: REPLICAS.map((id) => `${id}=${farm.endpoint(id)}`).join(','),
      REPLOG_FOLLOWERS: 'follower-1,follower-2',
      REPLOG_ACK_MODE: 'semi-sync',
      REPLOG_LOG_LEVEL: 'WARN',
    });
    const port = await freePort();
    serve = spawnReplog(['serve'], { ...env, PORT: String(port) });
    await serve.ready(/replog leader listening on/);
    url = `http://127.0.0.1:${port}`;
    for (const id of REPLICAS) {
      const p = spawnReplog(['follower', '--id', id], env);
      followers.set(id, p);
      await p.ready(new RegExp(`replog follower ${id} consuming`));
    }
  });

  afterAll(async () => {
    await Promise.all([serve, ...followers.values(), ...extra].map((p) => p?.kill('SIGKILL')));
    await farm?.stop();
  });

  const status = async () => (await api()<StatusDoc>('GET', '/replication/status')).body;

  it('given semi-sync load from 8 clients, switches to follower-1 and back: every acknowledged write is on every replica, none regresses', async () => {
    const acked = new Map<string, number>();
    const statuses: Record<string, number> = {};
    let running = true;
    let sent = 0;
    const client = async (c: number) => {
      let n = 0;
      while (running) {
        const key = `sw-${(c * 50 + (n % 50)) % KEYS}`;
        n++;
        sent++;
        const res = await api()<WriteAnswer>('PUT', `/items/${key}`, { c, n }).catch(() => ({ status: 0, body: undefined }));
        const tag = res.status === 200 ? '200' : `${res.status} ${res.body?.error?.code ?? ''}`;
        statuses[tag] = (statuses[tag] ?? 0) + 1;
        if (res.status === 200 && res.body) acked.set(key, Math.max(acked.get(key) ?? 0, res.body.version));
      }
    };
    // A reader polling every replica: a version it saw must never be followed by an older one.
    const seen = new Map<string, number>();
    let regressions = 0;
    let samples = 0;
    const sampleKeys = Array.from({ length: 40 }, (_, i) => `sw-${i * 10}`);
    const reader = async () => {
      while (running) {
        for (const id of REPLICAS) {
          const versions = await readVersions(clientFor(farm.endpoint(id)), tableOf(id), sampleKeys).catch(() => new Map<string, number>());
          for (const [k, v] of versions) {
            samples++;
            const before = seen.get(`${id}/${k}`) ?? 0;
            if (v < before) regressions++;
            seen.set(`${id}/${k}`, v);
          }
        }
        // A reader's pace, not a wait for a condition: it leaves the stores to the writers.
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = Promise.all([...Array.from({ length: CLIENTS }, (_, c) => client(c)), reader()]);
    await eventually(async () => acked.size >= 100, { timeoutMs: 60_000, what: 'writes before the switchover' });

    const there = await runReplogToEnd(['failover', '--to', 'follower-1', '--json', '--reason', 'test: planned', '--url', url], env, 60_000);
    expect(there.code).toBe(0);
    const first = JSON.parse(there.output.slice(there.output.indexOf('{'))) as { term: number; pauseMs: number; from: string; to: string };
    expect(first).toMatchObject({ from: 'main', to: 'follower-1', term: 2 });
    const afterFirst = sent;
    await eventually(async () => sent > afterFirst + 200, { timeoutMs: 60_000, what: 'writes against the new leader' });
    expect((await status()).leader).toMatchObject({ replica: 'follower-1', term: 2, state: 'active' });
    // Every replica can still be read by name: the deposed main as a follower, follower-1 as the leader it now is.
    for (const replica of ['main', 'follower-1']) {
      const read = await api()<{ replica: string; version: number }>('GET', `/items/sw-1?replica=${replica}`);
      expect({ replica, status: read.status, servedBy: read.body.replica }).toEqual({ replica, status: 200, servedBy: replica });
    }

    const back = await api()<{ term: number; pauseMs: number }>('POST', '/replication/leader', { to: 'main', reason: 'test: back' });
    expect(back.status).toBe(200);
    expect(back.body.term).toBe(3);
    const afterBack = sent;
    await eventually(async () => sent > afterBack + 200, { timeoutMs: 60_000, what: 'writes against main again' });
    running = false;
    await load;

    // Every replica converges on the leader, and holds every acknowledged version (or a newer one).
    const leaderItems = await scanTable(clientFor(farm.endpoint('main')), tableOf('main'));
    let mismatches: string[] = [];
    await eventually(
      async () => {
        mismatches = [];
        for (const id of REPLICAS.filter((r) => r !== 'main')) mismatches.push(...compareReplica(leaderItems, await scanTable(clientFor(farm.endpoint(id)), tableOf(id)), id).mismatches);
        return mismatches.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'every replica to equal the leader' },
    ).catch(() => undefined);
    const missing: string[] = [];
    for (const id of REPLICAS) {
      const items = await scanTable(clientFor(farm.endpoint(id)), tableOf(id));
      for (const [key, version] of acked) if ((items.get(key)?.version ?? 0) < version) missing.push(`${id}: ${key} v${version}`);
    }
    const s = await status();
    process.stdout.write(
      `[switchover] pauses=${first.pauseMs},${back.body.pauseMs} ms writes=${sent} acked keys=${acked.size} statuses=${JSON.stringify(statuses)} samples=${samples} regressions=${regressions} mismatches=${mismatches.length} missing=${missing.length}\n`,
    );
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(missing.slice(0, 10)).toEqual([]);
    expect(regressions).toBe(0);
    expect(samples).toBeGreaterThan(1000);
    expect(s.leader).toMatchObject({ replica: 'main', term: 3, state: 'active' });
    expect(s.leader.history.map((h) => h.term)).toEqual([3, 2]);
    // Writes wait during a move instead of failing: nothing but 200 (a 503 LEADER_MOVING would say so).
    expect(Object.keys(statuses)).toEqual(['200']);
  });

  it('given a zombie replog serve paused across a switchover, none of its later writes is answered 200 or applied, and each refusal is recorded', async () => {
    const port = await freePort();
    // It trusts its view of who leads for a minute: a stale Lambda container or a paused process.
    const zombie = spawnReplog(['serve'], { ...env, PORT: String(port), REPLOG_CONTROL_TTL_MS: '60000' });
    extra.push(zombie);
    await zombie.ready(/replog leader listening on/);
    const z = apiClient(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 5; i++) expect((await z('PUT', `/items/zw-${i}`, { warm: i })).status).toBe(200);
    const leaderBefore = (await status()).leader;

    zombie.child.kill('SIGSTOP');
    const moved = await api()<{ term: number }>('POST', '/replication/leader', { to: 'follower-2', reason: 'test: zombie' });
    expect(moved.status).toBe(200);
    expect(moved.body.term).toBe(leaderBefore.term + 1);

    // Requests that reached it while it was paused: it serves them with what it knew before, as a
    // stale container would, and commits them to the old leader's store under the old term.
    const modes = ['async', 'semi-sync', 'sync', 'quorum:1'];
    const pending = Array.from({ length: 20 }, (_, i) => {
      // Half on keys nobody wrote since, half on keys it wrote before the move.
      const key = i % 2 === 0 ? `zombie-new-${i}` : `zw-${i % 5}`;
      return z<WriteAnswer>('PUT', `/items/${key}?ack=${modes[i % modes.length]}`, { zombie: true, i });
    });
    zombie.child.kill('SIGCONT');
    const answers = (await Promise.all(pending)).map((res) => ({ status: res.status, code: res.body?.error?.code }));
    const refusedAtCommit = answers.filter((a) => a.code === 'NOT_LEADER').length;
    process.stdout.write(`[switchover] zombie answers=${JSON.stringify(answers.map((a) => `${a.status} ${a.code ?? ''}`))}\n`);
    expect(answers.filter((a) => a.status === 200)).toEqual([]);
    expect(refusedAtCommit).toBe(20);

    // Nothing the zombie wrote after the move is on any replica, its own old store included.
    const fenced = await eventually(
      async () => {
        const s = await status();
        const total = s.followers.reduce((n, f) => n + (f.fencedRefusals ?? 0), 0);
        return total > 0 ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'fenced refusals in status' },
    );
    for (const id of REPLICAS) {
      const items = await scanTable(clientFor(farm.endpoint(id)), tableOf(id));
      const zombieItems = [...items].filter(([, item]) => item.doc?.includes('"zombie":true'));
      expect({ id, zombieItems }).toEqual({ id, zombieItems: [] });
    }
    // The refusals went to the dead-letter topic with reason fenced.
    const kafka = new Kafka({ brokers: brokers().split(','), clientId: 'switchover-test', logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${names.groupPrefix}-dlq-check` });
    const reasons: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: `${names.topic}.dlq`, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void reasons.push(message.headers?.['replog-reason']?.toString() ?? '') });
    await eventually(async () => reasons.some((r) => r.startsWith('fenced')), { timeoutMs: 30_000, what: 'fenced dead letters' });
    await consumer.disconnect();
    process.stdout.write(`[switchover] fencedRefusals=${JSON.stringify(fenced.followers.map((f) => [f.id, f.fencedRefusals]))} dlqFenced=${reasons.filter((r) => r.startsWith('fenced')).length}\n`);
    // It goes on committing to the old store as long as it trusts its view (REPLOG_CONTROL_TTL_MS), and is refused each time.
    const later = await z<WriteAnswer>('PUT', '/items/zombie-later?ack=async', { zombie: true, later: true });
    expect(later.status).toBe(409);
    expect(later.body.error?.code).toBe('NOT_LEADER');
    // Writes through a current process go on against the new leader.
    expect((await api()<WriteAnswer>('PUT', '/items/after-zombie', { ok: true })).body).toMatchObject({ leader: 'follower-2', term: moved.body.term });
  });

  it('refuses a switchover to what cannot lead, saying why, and changes nothing', async () => {
    const before = (await status()).leader;
    const unknown = await api()<{ error: { code: string; message: string } }>('POST', '/replication/leader', { to: 'follower-9' });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error.message).toMatch(/follower-9 is not a replica/);
    const self = await api()<{ error: { code: string; message: string } }>('POST', '/replication/leader', { to: before.replica });
    expect(self.status).toBe(409);
    expect(self.body.error.message).toMatch(/is the leader already/);
    const bad = await api()<{ error: { code: string } }>('POST', '/replication/leader', { to: 'Not An Id' });
    expect(bad.status).toBe(400);
    expect((await status()).leader).toMatchObject({ replica: before.replica, term: before.term, state: 'active' });
  });

  it('given two switchovers asked at once, makes exactly one new term', async () => {
    const before = (await status()).leader;
    const [a, b] = await Promise.all([
      api()<{ term: number }>('POST', '/replication/leader', { to: 'main', reason: 'test: race a' }),
      api()<{ term: number }>('POST', '/replication/leader', { to: 'follower-1', reason: 'test: race b' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const after = (await status()).leader;
    expect(after.term).toBe(before.term + 1);
    expect(after.history.filter((h) => h.term > before.term)).toHaveLength(1);
  });
});
