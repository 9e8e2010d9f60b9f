import type { EmbeddedDynamo } from '../../src/local/dynalite-server';
import { startSharedStore } from '../support/shared-store';
import { type ReplogProcess, spawnReplog } from '../support/child-process';
import { apiClient } from '../support/http-client';
import { isolatedEnv, uniqueNames } from '../support/test-names';

const KEY = 'integration-test-key-7f3a9c2e51d04b8e';

/**
 * API keys over real HTTP against a real `replog serve` process: writes, deletes and admin calls
 * need the key (401 without, 403 with a wrong one), reads are open unless configured otherwise,
 * and the key never appears in the process's output, even at DEBUG.
 */
describe('API key authentication', () => {
  let dynamo: EmbeddedDynamo;
  const processes: ReplogProcess[] = [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await dynamo?.close();
  });

  async function serve(label: string, env: Record<string, string>) {
    const names = uniqueNames(label);
    const proc = spawnReplog(
      ['serve'],
      isolatedEnv(names, dynamo.endpoint, { REPLOG_ACK_MODE: 'async', REPLOG_LOG_LEVEL: 'DEBUG', REPLOG_API_KEY: KEY, ...env }),
    );
    processes.push(proc);
    await proc.ready(/replog leader listening on http:\/\/\S+/);
    const url = /replog leader listening on (http:\/\/\S+)/.exec(proc.output())?.[1] as string;
    return { proc, api: apiClient(url) };
  }

  it('given REPLOG_API_KEY, write, delete and admin routes need it; reads stay open; the key is never logged', async () => {
    dynamo = await startSharedStore();
    const { proc, api } = await serve('authopen', {});
    const code = (r: { status: number; body: unknown }) => `${r.status} ${(r.body as { error?: { code: string } })?.error?.code ?? ''}`.trim();

    expect(code(await api('PUT', '/items/a', { n: 1 }))).toBe('401 UNAUTHORIZED');
    expect(code(await api('PUT', '/items/a', { n: 1 }, { 'x-api-key': 'not-the-key-not-the-key' }))).toBe('403 FORBIDDEN');
    expect(code(await api('PUT', '/items/a', { n: 1 }, { authorization: `Bearer ${KEY}x` }))).toBe('403 FORBIDDEN');
    // The refused writes changed nothing.
    expect((await api('GET', '/items/a')).status).toBe(404);
    expect(code(await api('PUT', '/items/a', { n: 1 }, { 'x-api-key': KEY }))).toBe('200');
    expect(code(await api('PUT', '/items/a', { n: 2 }, { authorization: `Bearer ${KEY}` }))).toBe('200');
    expect((await api('GET', '/items/a')).body).toMatchObject({ version: 2, value: { n: 2 } });
    expect(code(await api('DELETE', '/items/a'))).toBe('401 UNAUTHORIZED');
    expect(code(await api('DELETE', '/items/a', undefined, { 'x-api-key': KEY }))).toBe('200');
    expect(code(await api('POST', '/replication/sync-follower', { followerId: 'follower-2' }))).toBe('401 UNAUTHORIZED');
    expect(code(await api('POST', '/replication/sync-follower', { followerId: 'follower-2' }, { 'x-api-key': 'wrong-wrong-wrong-wrong' }))).toBe('403 FORBIDDEN');
    // With the key the request reaches the route (which refuses a follower that is not attached).
    expect((await api('POST', '/replication/sync-follower', { followerId: 'follower-2' }, { 'x-api-key': KEY })).status).not.toBe(401);
    expect((await api('GET', '/healthz')).status).toBe(200);
    expect((await api('GET', '/items/a')).status).toBe(404);

    expect(proc.output()).toContain('request failed');
    expect(proc.output()).not.toContain(KEY);
    expect(proc.output()).not.toContain('not-the-key-not-the-key');
  });

  it('given REPLOG_READS_REQUIRE_KEY, reads need the key too', async () => {
    const { api } = await serve('authreads', { REPLOG_READS_REQUIRE_KEY: 'true' });
    expect((await api('GET', '/items/a')).status).toBe(401);
    expect((await api('GET', '/items/a', undefined, { 'x-api-key': 'nope-nope-nope-nope' })).status).toBe(403);
    expect((await api('GET', '/items/a', undefined, { 'x-api-key': KEY })).status).toBe(404);
    expect((await api('GET', '/replication/status')).status).toBe(401);
    expect((await api('GET', '/replication/status', undefined, { 'x-api-key': KEY })).status).toBe(200);
    expect((await api('GET', '/healthz')).status).toBe(200);
  });
});
