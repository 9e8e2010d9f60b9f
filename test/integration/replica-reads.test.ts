import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ReplogProcess, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

interface Item {
  key: string;
  version: number;
  value: unknown;
  replica: string;
  fallback?: { from: string | null; reason: string; waitedMs: number };
}
interface Status {
  followers: { id: string; role: string; healthy: boolean; healthReason: string | null; lag: { events: number } }[];
}

/**
 * Read choices against a real broker: follower-1 and follower-3 run in the test process,
 * follower-2 as its own OS process that the test stops with SIGSTOP (a real pause: no fetches,
 * no heartbeats, no commits) and resumes with SIGCONT.
 */
describe('replica reads', () => {
  let t: TestStack;
  let f2: ReplogProcess;
  const all = ['follower-1', 'follower-2', 'follower-3'];

  beforeAll(async () => {
    t = await startTestStack('reads', {
      env: { REPLOG_ACK_MODE: 'async', REPLOG_STALL_MS: '1000', REPLOG_READ_VIEW_TTL_MS: '200' },
      followers: ['follower-1', 'follower-3'],
    });
    f2 = spawnReplog(['follower', '--id', 'follower-2'], t.env);
    await f2.ready(/replog follower follower-2 consuming/);
    await caughtUp();
  });
  afterAll(async () => {
    f2?.child.kill('SIGCONT');
    await f2?.kill();
    await t?.stop();
  });

  const status = async () => (await t.api<Status>('GET', '/replication/status')).body;
  const follower = async (id: string) => (await status()).followers.find((f) => f.id === id);
  const caughtUp = () =>
    eventually(async () => (await status()).followers.every((f) => f.healthy && f.lag.events === 0), {
      what: 'every follower healthy and caught up',
      timeoutMs: 45_000,
      intervalMs: 100,
    });
  const put = async (key: string, value: unknown) => {
    const res = await t.api<{ version: number }>('PUT', `/items/${key}`, value);
    expect(res.status).toBe(200);
    return res.body.version;
  };
  const readAnyTimes = async (n: number) => {
    const seen: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await t.api<Item>('GET', '/items/spread?replica=any');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-replog-replica')).toBe(res.body.replica);
      seen.push(res.body.replica);
    }
    return seen;
  };

  it('given a write, a minVersion read from a healthy follower returns the new version from that follower', async () => {
    await put('ryw', { n: 1 });
    const version = await put('ryw', { n: 2 });
    for (const id of ['follower-1', 'follower-2']) {
      const res = await t.api<Item>('GET', `/items/ryw?replica=${id}&minVersion=${version}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ key: 'ryw', version, value: { n: 2 }, replica: id });
      expect(res.body.fallback).toBeUndefined();
      expect(res.headers.get('x-replog-replica')).toBe(id);
      expect(res.headers.get('etag')).toBe(`"${version}"`);
      expect(Number(res.headers.get('x-replog-lag-events'))).toBeGreaterThanOrEqual(0);
      expect(Number(res.headers.get('x-replog-lag-ms'))).toBeGreaterThanOrEqual(0);
    }
  });

  it('given caught-up followers, replica=any spreads reads over all of them', async () => {
    await put('spread', { n: 1 });
    await caughtUp();
    expect(new Set(await readAnyTimes(45))).toEqual(new Set(all));
  });

  it('given a paused follower, a minVersion read falls back to the leader after maxWaitMs and says so', async () => {
    f2.child.kill('SIGSTOP');
    const version = await put('ryw', { n: 3 });
    const started = Date.now();
    const res = await t.api<Item>('GET', `/items/ryw?replica=follower-2&minVersion=${version}&maxWaitMs=300`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version,
      value: { n: 3 },
      replica: 'leader',
      fallback: { from: 'follower-2', reason: 'min-version-timeout' },
    });
    expect(res.headers.get('x-replog-replica')).toBe('leader');
    expect(res.headers.get('x-replog-fallback')).toBe('min-version-timeout');
    expect(res.headers.get('etag')).toBe(`"${version}"`);
    // Without minVersion the paused follower still answers, honestly stale.
    const stale = await t.api<Item>('GET', '/items/ryw?replica=follower-2');
    expect(stale.body).toMatchObject({ replica: 'follower-2', version: version - 1 });
  });

  it('given the stopped follower is reported unhealthy, replica=any never picks it', async () => {
    const reported = await eventually(async () => {
      const f = await follower('follower-2');
      return f && !f.healthy ? f : undefined;
    }, { what: 'follower-2 reported unhealthy', timeoutMs: 20_000, intervalMs: 100 });
    expect(reported.healthReason).toMatch(/stalled|no live consumer/);
    const seen = await readAnyTimes(45);
    expect(seen).not.toContain('follower-2');
    expect(new Set(seen)).toEqual(new Set(['follower-1', 'follower-3']));
  });

  it('given the follower resumes, it catches up and serves read-your-writes again', async () => {
    f2.child.kill('SIGCONT');
    const version = await put('ryw', { n: 4 });
    const res = await eventually(async () => {
      const r = await t.api<Item>('GET', `/items/ryw?replica=follower-2&minVersion=${version}&maxWaitMs=2000`);
      return r.body.replica === 'follower-2' ? r : undefined;
    }, { what: 'follower-2 to serve the new version', timeoutMs: 45_000 });
    expect(res.body).toMatchObject({ version, value: { n: 4 } });
    await caughtUp();
  });

  it('given items and tombstones, GET /items pages through live items of the chosen replica', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => `list-${String(i).padStart(2, '0')}`);
    for (const key of keys) await put(key, { key });
    expect((await t.api('DELETE', '/items/list-07')).status).toBe(200);
    const live = new Set(keys.filter((k) => k !== 'list-07'));

    const collect = async (replica: string) => {
      const found: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/items?replica=${replica}&limit=10${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.api<{ replica: string; items: { key: string; version: number }[]; nextCursor: string | null }>('GET', q);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(10);
        found.push(...res.body.items.map((i) => i.key));
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 20);
      return found.filter((k) => k.startsWith('list-'));
    };
    const fromLeader = await collect('leader');
    expect(fromLeader.length).toBe(live.size);
    expect(new Set(fromLeader)).toEqual(live);
    await eventually(async () => {
      const fromFollower = await collect('follower-1');
      return fromFollower.length === live.size && fromFollower.every((k) => live.has(k));
    }, { what: 'follower-1 to list the same live items' });

    for (const [q, code] of [
      ['/items?limit=0', 'BAD_QUERY'],
      ['/items?limit=1001', 'BAD_QUERY'],
      ['/items?cursor=%2B%2B', 'BAD_QUERY'],
      [`/items?cursor=${Buffer.from('{"pk":1}').toString('base64url')}`, 'BAD_QUERY'],
      ['/items?replica=follower-9', 'BAD_QUERY'],
      ['/items/ryw?maxWaitMs=10', 'BAD_QUERY'],
      ['/items/ryw?minVersion=0', 'BAD_QUERY'],
      ['/items/ryw?minVersion=1&maxWaitMs=999999', 'BAD_QUERY'],
    ] as const) {
      const res = await t.api<{ error: { code: string } }>('GET', q);
      expect({ q, status: res.status, code: res.body.error?.code }).toEqual({ q, status: 400, code });
    }
    // One range per parameter, whichever side a value misses it on.
    for (const q of ['/items?limit=0', '/items?limit=5000', '/items?limit=ten']) {
      expect((await t.api<{ error: { message: string } }>('GET', q)).body.error.message).toBe('limit must be a whole number from 1 to 1000');
    }
    for (const q of ['/items/ryw?minVersion=0', '/items/ryw?minVersion=-1']) {
      expect((await t.api<{ error: { message: string } }>('GET', q)).body.error.message).toBe(
        `minVersion must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
      );
    }
  });

  it('given the README, GET /items answers exactly the fields it documents, with nextCursor null on the last page', async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const row = readme.split('\n').find((l) => l.startsWith('| `GET /items` |')) ?? '';
    const documented = /`\{(replica[^`]*)\}`/.exec(row)?.[1] ?? '';
    const fields = documented.replace(/\[[^\]]*\]/g, '').split(',').map((f) => f.trim());
    const required = fields.filter((f) => !f.endsWith('?')).map((f) => f.split(':')[0]?.trim());
    const optional = fields.filter((f) => f.endsWith('?')).map((f) => f.slice(0, -1));
    const itemFields = /items: \[\{([^}]*)\}\]/.exec(row)?.[1]?.split(',').map((f) => f.trim());
    expect(required).toEqual(['replica', 'items', 'nextCursor']);

    for (const replica of ['leader', 'follower-1']) {
      const res = await t.api<Record<string, unknown> & { items: Record<string, unknown>[] }>('GET', `/items?replica=${replica}&limit=1000`);
      const keys = Object.keys(res.body);
      expect(required.every((k) => keys.includes(k as string))).toBe(true);
      expect(keys.filter((k) => !required.includes(k) && !optional.includes(k))).toEqual([]);
      expect(res.body.nextCursor).toBeNull();
      expect(Object.keys(res.body.items[0] ?? {})).toEqual(itemFields);
    }
    expect(row).toContain('`nextCursor` is null on the last page');
  });
});
