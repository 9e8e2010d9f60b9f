import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { LocalEndpoints } from '../../src/local/endpoint-file';
import { interrupt as interruptProcess } from '../faults/support/replog-cli';
import { type ReplogProcess, runReplogToEnd, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { startStoreFarmEnv, type StoreFarmEnv } from '../support/store-farm-env';
import { ReplicationCluster } from '../support/replication-cluster';
import { isolatedEnv, uniqueNames } from '../support/test-names';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The parent pid of a process (Linux), to show a store is a child of the replog that started it. */
const parentOf = (pid: number): number | undefined => {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  // pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
  const text = readFileSync(stat, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
};

async function tablesAt(endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

/** Each table lives in its own failure domain: the control table in the control store, each replica's table in that replica's store. */
function expectTablesInTheirStores(tables: Record<string, string[]>, prefix: string, followers: string[]) {
  expect(tables.control).toEqual([`${prefix}-control`]);
  expect(tables.main).toEqual([`${prefix}-leader`]);
  for (const id of followers) expect(tables[id]).toEqual([`${prefix}-follower-${id}`]);
}

const readEndpoints = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as LocalEndpoints;

describe('separate store processes: each replica and the control store in a dynalite process of its own', () => {
  const running = new Set<ReplogProcess>();
  const farms = new Set<StoreFarmEnv>();
  const dirs: string[] = [];
  const spawned = (args: string[], env: NodeJS.ProcessEnv) => {
    const proc = spawnReplog(args, env);
    running.add(proc);
    return proc;
  };
  const interrupt = (proc: ReplogProcess) => interruptProcess(proc, running);

  afterAll(async () => {
    await Promise.all([...running].map((p) => p.kill('SIGKILL')));
    await Promise.all([...farms].map((f) => f.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('given the test helper, replog serve and a follower process run on its stores, and stop() leaves no store process behind', async () => {
    const stores = await startStoreFarmEnv(['main', 'follower-1']);
    farms.add(stores);
    const pids = Object.values(stores.pids);
    expect(Object.keys(stores.pids)).toEqual(['control', 'main', 'follower-1']);
    expect(new Set(pids).size).toBe(3);
    expect(pids.every(alive)).toBe(true);
    expect(stores.env).toEqual({
      DYNAMODB_ENDPOINT: stores.endpoints.control,
      REPLOG_CONTROL_ENDPOINT: stores.endpoints.control,
      REPLOG_REPLICA_ENDPOINTS: `main=${stores.endpoints.main},follower-1=${stores.endpoints['follower-1']}`,
    });

    const names = uniqueNames('farm-helper');
    const env = isolatedEnv(names, stores.env.DYNAMODB_ENDPOINT, { ...stores.env, REPLOG_FOLLOWERS: 'follower-1' });
    const serve = spawned(['serve'], env);
    await serve.ready(/replog leader listening on (\S+)/);
    const url = /replog leader listening on (\S+)/.exec(serve.output())?.[1] as string;
    const follower = spawned(['follower', '--id', 'follower-1'], env);
    await follower.ready(/replog follower follower-1 consuming/);

    const put = await fetch(`${url}/items/k`, { method: 'PUT', body: '{"n":1}' });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { ack: { confirmedBy: string[] } }).ack.confirmedBy).toEqual(['follower-1']);
    const read = await fetch(`${url}/items/k?replica=follower-1`);
    expect(((await read.json()) as { value: unknown }).value).toEqual({ n: 1 });
    const tables = Object.fromEntries(await Promise.all(Object.entries(stores.endpoints).map(async ([id, e]) => [id, await tablesAt(e)] as const)));
    expectTablesInTheirStores(tables, names.tablePrefix, ['follower-1']);

    await interrupt(follower);
    await interrupt(serve);
    const stopped = await stores.stop();
    farms.delete(stores);
    expect(stopped.map((s) => s.pid).sort()).toEqual([...pids].sort());
    expect(pids.filter(alive)).toEqual([]);
  });

  it('given ReplicationCluster (startTestStack) with separateStores, the leader in the test process and a follower process run on the store processes, and stop() ends them', async () => {
    const cluster = await ReplicationCluster.start('farm-cluster', {}, ['follower-1'], { separateStores: true });
    const stores = cluster.t.stores as StoreFarmEnv;
    const pids = Object.values(stores.pids);
    expect(Object.keys(stores.pids)).toEqual(['control', 'main', 'follower-1']);
    expect(cluster.t.env.REPLOG_REPLICA_ENDPOINTS).toBe(stores.env.REPLOG_REPLICA_ENDPOINTS);
    try {
      expect((await cluster.api('PUT', '/items/k', { n: 1 })).status).toBe(200);
      // Read from follower-1's own store, where its table is.
      expect(await cluster.followerItem('follower-1', 'k')).toMatchObject({ pk: 'k', version: 1 });
      expect(await tablesAt(stores.endpoints['follower-1'] as string)).toEqual([`${cluster.t.names.tablePrefix}-follower-follower-1`]);
    } finally {
      await cluster.stop();
    }
    expect(pids.filter(alive)).toEqual([]);
  });

  describe('replog dev --separate-stores as a real process', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'replog-separate-'));
    dirs.push(dataDir);
    const names = uniqueNames('dev-separate');
    const { DYNAMODB_ENDPOINT: _d, REPLOG_CONTROL_ENDPOINT: _c, REPLOG_REPLICA_ENDPOINTS: _r, REPLOG_URL: _u, ...rest } = isolatedEnv(names, '');
    const env: NodeJS.ProcessEnv = { ...rest, REPLOG_DATA_DIR: dataDir, REPLOG_LOG_LEVEL: 'WARN', REPLOG_LOG_FORMAT: 'json' };
    const followers = ['follower-1', 'follower-2', 'follower-3'];
    const ids = ['control', 'main', ...followers];
    /** Every store pid this test saw, restarted ones included: none may outlive the replog that started them. */
    const seen = new Set<number>();

    const startDev = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const began = Date.now();
      const proc = spawned(['dev', ...args], { ...env, ...extra });
      await proc.ready(/Ctrl-C stops everything this run started/, 120_000);
      const out = proc.output();
      const url = /HTTP API\s+(\S+)/.exec(out)?.[1] as string;
      const printed = Object.fromEntries(
        [...out.matchAll(/^ {4}(\S+)\s+(http:\/\/\S+)\s+pid (\d+)/gm)].map((m) => [m[1] as string, { endpoint: m[2] as string, pid: Number(m[3]) }]),
      );
      const farmMs = Number(/store processes, started in ([\d.]+) s/.exec(out)?.[1]) * 1000;
      process.stdout.write(`replog dev --separate-stores: ${ids.length} stores started in ${farmMs} ms, ready after ${Date.now() - began} ms\n`);
      for (const s of Object.values(printed)) seen.add(s.pid);
      return { proc, url, printed };
    };

    it('starts a store process per replica and one for the control store, advertises them, writes work, replog status and verify find them, a killed store comes back, and Ctrl-C stops every one', async () => {
      const dev = await startDev(['--separate-stores']);
      const devPid = dev.proc.child.pid as number;
      expect(Object.keys(dev.printed)).toEqual(ids);
      const pids = Object.values(dev.printed).map((s) => s.pid);
      expect(new Set([...pids, devPid]).size).toBe(ids.length + 1);
      expect(pids.every(alive)).toBe(true);
      if (existsSync('/proc')) expect(pids.map(parentOf)).toEqual(pids.map(() => devPid));

      // The endpoints file names the very same stores; DYNAMODB_ENDPOINT there is the control store.
      const advertised = readEndpoints(dataDir);
      expect(advertised.pid).toBe(devPid);
      expect(advertised.dynamodb).toBe(dev.printed.control?.endpoint);
      expect(advertised.stores?.control).toEqual(dev.printed.control);
      expect(advertised.stores?.replicas).toEqual(Object.fromEntries(['main', ...followers].map((id) => [id, dev.printed[id]])));

      const put = await fetch(`${dev.url}/items/a`, { method: 'PUT', body: '{"n":1}' });
      expect(put.status).toBe(200);
      const read = await eventually(async () => {
        const r = await fetch(`${dev.url}/items/a?replica=follower-2`);
        return r.status === 200 ? ((await r.json()) as { value: unknown }) : undefined;
      }, { what: 'follower-2 to hold a' });
      expect(read.value).toEqual({ n: 1 });
      const tables = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await tablesAt(dev.printed[id]?.endpoint as string)] as const)));
      expectTablesInTheirStores(tables, names.tablePrefix, followers);

      // The commands beside it find its stores through the endpoints file.
      const status = await runReplogToEnd(['status'], env);
      expect(status.code).toBe(0);
      for (const id of ids) expect(status.output).toMatch(new RegExp(`^ {2}${id}\\s+${dev.printed[id]?.endpoint}\\s+pid ${dev.printed[id]?.pid}\\s+running$`, 'm'));
      const verify = await runReplogToEnd(['verify', '--follower', 'follower-2'], env);
      expect(verify.code).toBe(0);

      // A store that dies unasked is reported at WARN with how it ended, restarted on its port, advertised under its new pid.
      const victim = dev.printed['follower-3'] as { endpoint: string; pid: number };
      process.kill(victim.pid, 'SIGKILL');
      const restarted = await eventually(
        () => {
          const pid = readEndpoints(dataDir).stores?.replicas['follower-3']?.pid;
          return pid !== undefined && pid !== victim.pid ? pid : undefined;
        },
        { what: 'follower-3 store to be restarted and advertised', timeoutMs: 30_000 },
      );
      seen.add(restarted);
      expect(alive(restarted)).toBe(true);
      const died = dev.proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.message === 'store process died');
      expect(died).toMatchObject({ level: 'WARN', store: 'follower-3', pid: victim.pid, signal: 'SIGKILL', restartInMs: 1000 });
      expect(died?.error).toMatchObject({ message: `store follower-3 (pid ${victim.pid}) was killed by SIGKILL without being asked to stop` });
      expect(readEndpoints(dataDir).stores?.replicas['follower-3']?.endpoint).toBe(victim.endpoint);
      const doc = (await (await fetch(`${dev.url}/replication/status`)).json()) as { localStores: Array<{ id: string; pid: number; restarts: number; lastExit: string }> };
      expect(doc.localStores.find((s) => s.id === 'follower-3')).toMatchObject({ pid: restarted, restarts: 1, lastExit: 'SIGKILL', state: 'running' });
      // Its data came back with it (the store is on disk) and the follower goes on applying into the same endpoint.
      expect((await fetch(`${dev.url}/items/b`, { method: 'PUT', body: '{"n":2}' })).status).toBe(200);

      const ended = await interrupt(dev.proc);
      expect(ended.code).toBe(0);
      const live = [...pids.filter((p) => p !== victim.pid), restarted];
      expect(dev.proc.output()).toContain(
        `stopped the store processes this run started: ${ids.map((id) => `${id} (pid ${id === 'follower-3' ? restarted : dev.printed[id]?.pid})`).join(', ')}`,
      );
      expect(live.filter(alive)).toEqual([]);
      expect([...seen].filter(alive)).toEqual([]);
      expect(existsSync(join(dataDir, 'endpoints.json'))).toBe(false);
    });

    it('given its data on disk, the next start (REPLOG_SEPARATE_STORES=true) has it back, and a start without separate stores is refused', async () => {
      const embedded = await runReplogToEnd(['dev'], env);
      expect(embedded.code).toBe(1);
      expect(embedded.output).toContain(`the data in ${dataDir} is kept by separate stores`);
      expect(existsSync(join(dataDir, 'dynalite'))).toBe(false);

      const dev = await startDev([], { REPLOG_SEPARATE_STORES: 'true' });
      expect(Object.keys(dev.printed)).toEqual(ids);
      const a = await fetch(`${dev.url}/items/a`);
      expect(((await a.json()) as { value: unknown }).value).toEqual({ n: 1 });
      expect((await interrupt(dev.proc)).code).toBe(0);
      expect([...seen].filter(alive)).toEqual([]);
    });
  });
});
