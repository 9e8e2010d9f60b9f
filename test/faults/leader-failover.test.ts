import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LocalStoreFarm } from '../../src/local/store-farm';
import { type ReplogProcess, runReplogToEnd, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { storeClient } from '../support/store-client';
import { apiClient } from '../support/http-client';
import { silentLog } from '../support/in-memory-stores';
import { isolatedEnv, uniqueNames } from '../support/test-names';
import { reportCase } from './support/fault-report';
import { compareReplica, readVersions, scanTable } from './support/replica-tables';
import { describeGroupOffsets } from './support/group-state';
import { readWholeTopic } from './support/topic-reader';

const REPLICAS = ['main', 'follower-1', 'follower-2'];
const CLIENTS = 8;
const KEYS = 200;

interface WriteAnswer {
  version: number;
  term: number;
  leader: string;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

interface StatusDoc {
  leader: {
    replica: string;
    term: number;
    state: string;
    terms: { term: number; leader: string; fence: Record<string, string> }[];
    history: { term: number; kind: string; from: string; to: string; by: string; reason: string; pauseMs: number }[];
    rewinding: { replica: string; lastTerm: number }[];
    watch: { state: string; leader: string; term: number; reason: string | null } | null;
  };
  control: { syncFollower: string | null };
}

interface RejoinReportDoc {
  replica: string;
  leader: string;
  reverted: { key: string; held: { term: number; version: number }; now: { version: number } | null; why: string }[];
  flagged: unknown[];
  scanned: number;
}

const clientFor = storeClient;

/** Every item of a table with its term, version and whether its value is this version's. */
async function scanStamps(endpoint: string, table: string): Promise<Map<string, { term: number; version: number; doc: string | undefined }>> {
  const client = clientFor(endpoint);
  const out = new Map<string, { term: number; version: number; doc: string | undefined }>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    for (const i of page.Items ?? []) out.set(String(i.pk), { term: Number(i.term ?? 1), version: Number(i.version), doc: i.doc as string | undefined });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  client.destroy();
  return out;
}

/**
 * Unplanned failover with every part a process of its own: a dynalite process per replica and
 * one for the control store, two `replog serve` leaders and a `replog follower` per replica, each
 * of the five running a watchdog. The leader's store is SIGKILLed under semi-sync load.
 */
describe('fault: the leader\'s store is lost (unplanned failover, rewind, rejoin)', () => {
  const names = uniqueNames('failover');
  const dataDir = mkdtempSync(join(tmpdir(), 'replog-failover-'));
  let farm: LocalStoreFarm;
  let env: NodeJS.ProcessEnv;
  const serves: { proc: ReplogProcess; url: string }[] = [];
  const followers = new Map<string, ReplogProcess>();
  const tableOf = (id: string) => (id === 'main' ? `${names.tablePrefix}-leader` : `${names.tablePrefix}-follower-${id}`);
  const status = async () => (await apiClient(serves[0]?.url ?? '')<StatusDoc>('GET', '/replication/status')).body;
  const everyOutput = () => [...serves.map((s) => s.proc), ...followers.values()].map((p) => p.output()).join('\n');

  beforeAll(async () => {
    farm = await LocalStoreFarm.start([{ id: 'control' }, ...REPLICAS.map((id) => ({ id, dataDir: join(dataDir, id) }))], { log: silentLog, restartDelayMs: 0 });
    env = isolatedEnv(names, farm.endpoint('control'), {
      REPLOG_CONTROL_ENDPOINT: farm.endpoint('control'),
      REPLOG_REPLICA_ENDPOINTS: REPLICAS.map((id) => `${id}=${farm.endpoint(id)}`).join(','),
      REPLOG_FOLLOWERS: 'follower-1,follower-2',
      REPLOG_SYNC_FOLLOWER: 'follower-1',
      REPLOG_ACK_MODE: 'semi-sync',
      REPLOG_LOSSLESS_READS: 'true',
      // The test rewinds with `replog rejoin` so it can read the report; the local runtime would do it by itself.
      REPLOG_AUTO_REJOIN: 'false',
      REPLOG_LOG_LEVEL: 'WARN',
    });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const proc = spawnReplog(['serve'], { ...env, PORT: String(port) });
      await proc.ready(/replog leader listening on/);
      serves.push({ proc, url: `http://127.0.0.1:${port}` });
    }
    for (const id of REPLICAS) {
      const p = spawnReplog(['follower', '--id', id], env);
      followers.set(id, p);
      await p.ready(new RegExp(`replog follower ${id} consuming`));
    }
  });

  afterAll(async () => {
    await Promise.all([...serves.map((s) => s.proc), ...followers.values()].map((p) => p.kill('SIGKILL')));
    await farm?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given the leader store SIGKILLed under semi-sync load from 8 clients: one failover to the sync follower, nothing acknowledged lost, the old store rewound and rejoined', async () => {
    const acked = new Map<string, number>();
    const ackedVersions = new Set<string>();
    const statuses: Record<string, number> = {};
    let running = true;
    let killedAt = 0;
    let firstNewLeaderAck = 0;
    const client = async (c: number) => {
      let n = 0;
      while (running) {
        const key = `fo-${(c * 37 + n) % KEYS}`;
        n++;
        const target = serves[(c + n) % serves.length] as { url: string };
        const res = await apiClient(target.url)<WriteAnswer>('PUT', `/items/${key}`, { c, n }).catch(() => ({ status: 0, body: undefined }));
        const tag = res.status === 200 ? '200' : `${res.status} ${res.body?.error?.code ?? ''}`;
        statuses[tag] = (statuses[tag] ?? 0) + 1;
        if (res.status === 200 && res.body) {
          acked.set(key, Math.max(acked.get(key) ?? 0, res.body.version));
          ackedVersions.add(`${key}@${res.body.term}.${res.body.version}`);
          if (killedAt > 0 && firstNewLeaderAck === 0 && res.body.leader !== 'main') firstNewLeaderAck = Date.now();
        }
      }
    };
    // Lossless readers of the leader: every version they were shown, to hold against what the failover lost.
    const shown = new Set<string>();
    let reads = 0;
    let readRefusals = 0;
    const reader = async (r: number) => {
      let n = 0;
      while (running) {
        const key = `fo-${(r * 53 + n++) % KEYS}`;
        const res = await apiClient(serves[r % serves.length]?.url ?? '')<{ version: number; term: number }>('GET', `/items/${key}`).catch(() => ({ status: 0, body: undefined }));
        reads++;
        if (res.status === 200 && res.body) shown.add(`${key}@${res.body.term}.${res.body.version}`);
        else if (res.status === 503) readRefusals++;
      }
    };
    // The survivors' tables polled directly: a version seen must never be followed by an older one.
    const seen = new Map<string, number>();
    let regressions = 0;
    let samples = 0;
    const sampleKeys = Array.from({ length: 50 }, (_, i) => `fo-${i * 4}`);
    const poller = async () => {
      while (running) {
        for (const id of ['follower-1', 'follower-2']) {
          const versions = await readVersions(clientFor(farm.endpoint(id)), tableOf(id), sampleKeys).catch(() => new Map<string, number>());
          for (const [k, v] of versions) {
            samples++;
            if (v < (seen.get(`${id}/${k}`) ?? 0)) regressions++;
            seen.set(`${id}/${k}`, v);
          }
        }
        // A poller's pace, not a wait for a condition: it leaves the stores to the writers.
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const load = Promise.all([...Array.from({ length: CLIENTS }, (_, c) => client(c)), reader(0), reader(1), poller()]);
    await eventually(async () => acked.size >= 150, { timeoutMs: 60_000, what: 'writes before the kill' });

    // Under load the sync role may move between the followers (a confirmation that timed out
    // promotes the other one), even after the kill: the failover goes to whichever holds it then.
    const syncAtKill = (await status()).control.syncFollower;
    killedAt = Date.now();
    await farm.kill('main');
    const moved = await eventually(
      async () => {
        const s = await status();
        return s.leader.replica !== 'main' && s.leader.state === 'active' ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'a new leader after the store of main was killed' },
    );
    await eventually(async () => firstNewLeaderAck > 0, { timeoutMs: 30_000, what: 'a 200 from the new leader' });
    const afterMove = acked.size;
    const ackedBefore = [...ackedVersions].length;
    await eventually(async () => ackedVersions.size > ackedBefore + 300, { timeoutMs: 60_000, what: 'writes on the new leader' });
    running = false;
    await load;

    // One failover, to the sync follower, by one watchdog: terms 1 and 2 only.
    const newLeader = moved.leader.replica;
    expect(moved.leader).toMatchObject({ replica: newLeader, term: 2 });
    expect(moved.leader.terms.map((t) => t.term)).toEqual([2, 1]);
    expect(moved.leader.history).toEqual([expect.objectContaining({ kind: 'failover', from: 'main', to: newLeader, term: 2 })]);
    expect(moved.leader.history[0]?.by).toMatch(/^watchdog /);
    expect(moved.leader.history[0]?.reason).toMatch(new RegExp(`failed every probe .*semi-sync: ${newLeader} is the sync follower`));
    const otherFollower = newLeader === 'follower-1' ? 'follower-2' : 'follower-1';
    expect(moved.leader.rewinding).toEqual([expect.objectContaining({ replica: 'main', lastTerm: 1 })]);
    expect(everyOutput().match(/"failover begun"|failover begun/g)?.length).toBe(1);

    // What the old store holds, against the log: a term-1 version it holds that no record before the fence carries was never acknowledged.
    await farm.start('main');
    const fence = moved.leader.terms[0]?.fence ?? {};
    const log = await readWholeTopic(String(env.KAFKA_BROKERS).split(','), names.topic);
    const beforeFence = new Set<string>();
    for (const [at, record] of log) {
      const [partition, offset] = at.split(':');
      if (record.key === null || record.value === null || BigInt(offset ?? 0) >= BigInt(fence[partition ?? ''] ?? 0)) continue;
      const event = JSON.parse(record.value) as { key?: string; version?: number; term?: number };
      if (event.version !== undefined) beforeFence.add(`${record.key}@${event.term ?? 1}.${event.version}`);
    }
    const held = await scanStamps(farm.endpoint('main'), tableOf('main'));
    const expectedLost = [...held].filter(([key, s]) => s.term === 1 && !beforeFence.has(`${key}@1.${s.version}`)).map(([key, s]) => `${key}@1.${s.version}`).sort();

    const rejoin = await runReplogToEnd(['rejoin', 'main', '--json'], env, 120_000);
    expect(rejoin.code).toBe(0);
    // The report is the one pretty-printed JSON document on stdout; log lines (stderr) may surround it.
    const reportText = /^\{\n[\s\S]*?\n\}$/m.exec(rejoin.output)?.[0] ?? rejoin.output;
    const report = JSON.parse(reportText) as RejoinReportDoc;
    const reported = report.reverted.map((r) => `${r.key}@${r.held.term}.${r.held.version}`).sort();
    expect(reported).toEqual(expectedLost);
    expect(report.flagged).toEqual([]);
    // Nothing the rewind reverted was ever acknowledged, nor shown by a lossless read.
    expect(reported.filter((v) => ackedVersions.has(v))).toEqual([]);
    expect(reported.filter((v) => shown.has(v))).toEqual([]);
    const human = await runReplogToEnd(['status'], { ...env, REPLOG_URL: serves[0]?.url }, 60_000);
    expect(human.output).toMatch(new RegExp(`leader ${newLeader} {2}term 2 {2}active`));

    // Every replica converges on the new leader and holds every acknowledged version.
    let mismatches: string[] = [];
    await eventually(
      async () => {
        const leaderItems = await scanTable(clientFor(farm.endpoint(newLeader)), tableOf(newLeader));
        mismatches = [];
        for (const id of ['main', otherFollower]) mismatches.push(...compareReplica(leaderItems, await scanTable(clientFor(farm.endpoint(id)), tableOf(id)), id).mismatches);
        return mismatches.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'every replica to equal the new leader' },
    ).catch(() => undefined);
    const missing: string[] = [];
    for (const id of REPLICAS) {
      const items = await scanTable(clientFor(farm.endpoint(id)), tableOf(id));
      for (const [key, version] of acked) if ((items.get(key)?.version ?? 0) < version) missing.push(`${id}: ${key} v${version}`);
    }
    const verify = await Promise.all(['main', otherFollower].map((id) => runReplogToEnd(['verify', '--follower', id, '--json'], env, 120_000)));
    const shownLost = [...shown].filter((v) => reported.includes(v)).length;
    reportCase('leader-failover', {
      syncAtKill: String(syncAtKill),
      newLeader,
      writes: Object.values(statuses).reduce((a, b) => a + b, 0),
      ackedKeys: acked.size,
      ackedVersions: ackedVersions.size,
      keysBeforeMove: afterMove,
      statuses: JSON.stringify(statuses),
      killToFirstNewLeader200Ms: firstNewLeaderAck - killedAt,
      failoverPauseMs: moved.leader.history[0]?.pauseMs ?? -1,
      rewound: reported.length,
      reads,
      readRefusals,
      shownLost,
      samples,
      regressions,
      mismatches: mismatches.length,
      missing: missing.length,
    });
    // A rejoined replica that does not catch up is the bug to look at: its process's own words say why.
    if (mismatches.length > 0) {
      const main = followers.get('main');
      const group = await describeGroupOffsets(String(env.KAFKA_BROKERS).split(','), `${names.groupPrefix}-main`, names.topic).catch((error: unknown) => `group not described: ${String(error)}`);
      const alive = main?.child.exitCode === null && main.child.signalCode === null ? 'running' : `ended (${main?.child.exitCode ?? main?.child.signalCode})`;
      process.stdout.write(`[leader-failover] replog follower --id main is ${alive}; ${group}; last output:\n${main?.output().slice(-6000) ?? ''}\n`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(missing.slice(0, 10)).toEqual([]);
    expect(regressions).toBe(0);
    expect(samples).toBeGreaterThan(500);
    expect(verify.map((v) => v.code)).toEqual([0, 0]);
    expect((await status()).leader.rewinding).toEqual([]);
  });

  it('given the sync follower\'s store down too, promotes nobody, says why, and answers writes 503 saying nothing was committed; once it is back, fails over to it', async () => {
    const before = await status();
    const leader = before.leader.replica;
    const sync = before.control.syncFollower;
    expect(sync).not.toBeNull();
    if (sync === null) return;
    await farm.kill(sync);
    await farm.kill(leader);
    const blocked = await eventually(
      async () => {
        const s = await status();
        return s.leader.watch?.state === 'blocked' ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the watchdog to say it cannot promote' },
    );
    expect(blocked.leader).toMatchObject({ replica: leader, term: before.leader.term, state: 'active' });
    expect(blocked.leader.watch?.reason).toMatch(new RegExp(`not promoting: semi-sync: only the sync follower ${sync} holds every acknowledged write, and ${sync} is not reachable`));
    const write = await apiClient(serves[0]?.url ?? '')<WriteAnswer>('PUT', '/items/blocked-write', { n: 1 });
    expect(write.status).toBe(503);
    expect(write.body.error?.message).toMatch(/not committed|nothing was committed|may (not )?have been (committed|applied)/i);
    expect(write.body.error?.details).toMatchObject({ committedOnLeader: false, published: false });

    await farm.start(sync);
    const after = await eventually(
      async () => {
        const s = await status();
        return s.leader.replica === sync && s.leader.state === 'active' ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `a failover to ${sync} once its store is back` },
    );
    expect(after.leader.term).toBe(before.leader.term + 1);
    expect((await apiClient(serves[1]?.url ?? '')<WriteAnswer>('PUT', '/items/after-blocked', { n: 2 })).body).toMatchObject({ leader: sync });
    reportCase('leader-failover-no-candidate', { blockedReason: blocked.leader.watch?.reason ?? '', writeStatus: write.status, newLeader: sync, term: after.leader.term });
  });
});
