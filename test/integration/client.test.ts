import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConflictError, type ReplogClient as Client, NotFoundError, ReplogClient, type RetryEvent } from '../../src/client';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

const DELAY_MS = 4000;
const repoRoot = join(__dirname, '..', '..');
const run = promisify(execFile);

/**
 * replog/client against the real stack (the shared broker, dynalite, the HTTP API and followers,
 * one of them delayed so that a follower read can be stale): the calls and their typed answers,
 * a write sent again with its writeId answered rather than applied twice (the server's
 * idempotency, also after a lost answer), and sessions that read their writes and never go back,
 * in one process and across two through the token.
 */
describe('replog/client against the stack', () => {
  let t: TestStack;
  let client: Client;

  beforeAll(async () => {
    t = await startTestStack('client', { env: { REPLOG_ACK_MODE: 'semi-sync', REPLOG_FOLLOWERS: `follower-1,late@delay=${DELAY_MS / 1000}s` } });
    client = new ReplogClient({ url: t.url });
    await eventually(async () => (await client.status()).followers.every((f) => f.healthy), { timeoutMs: 30_000, what: 'every follower healthy' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('puts, gets, deletes, lists page by page, reads the status and designates the sync follower', async () => {
    const w = await client.put('c-a', { n: 1 });
    expect(w).toMatchObject({ key: 'c-a', version: 1, replayed: false, ack: { mode: 'semi-sync', degraded: false } });
    expect(await client.get('c-a')).toMatchObject({ key: 'c-a', version: 1, value: { n: 1 }, replica: 'leader' });
    for (let i = 0; i < 5; i++) await client.put(`c-page-${i}`, i, { ack: 'async' });
    const pages = [];
    for await (const page of client.list({ limit: 2 })) pages.push(page.items.length);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(6);
    const gone = await client.delete('c-a');
    expect(gone.version).toBe(2);
    expect(await client.get('c-a')).toBeUndefined();
    await expect(client.delete('c-a')).rejects.toBeInstanceOf(NotFoundError);
    const status = await client.status();
    expect(status.followers.map((f) => f.id).sort()).toEqual(['follower-1', 'late']);
    await expect(client.setSyncFollower('follower-1')).resolves.toMatchObject({ syncFollower: 'follower-1' });
    await expect(client.setSyncFollower('late')).rejects.toBeInstanceOf(ConflictError);
  });

  it('given a write sent again with its writeId, the server answers it from the first attempt and the log holds it once', async () => {
    const logEnd = async () => Object.values((await client.status()).topic.endOffsets).reduce((n, o) => n + Number(o), 0);
    const first = await client.put('c-idem', { n: 1 }, { writeId: 'c-idem-1' });
    const before = await logEnd();
    const again = await client.put('c-idem', { n: 1 }, { writeId: 'c-idem-1' });
    expect(await logEnd()).toBe(before);
    expect(again).toMatchObject({ version: first.version, position: first.position, replayed: true, writeId: 'c-idem-1' });
    expect((await client.get('c-idem'))?.version).toBe(1);
    await expect(client.put('c-idem', { n: 2 }, { writeId: 'c-idem-1' })).rejects.toBeInstanceOf(ConflictError);
    expect((await client.get('c-idem'))?.value).toEqual({ n: 1 });
  });

  it('given the answer to a write is lost on the way back, the client sends it again and it is applied once', async () => {
    let lost = 0;
    const retries: RetryEvent[] = [];
    // The request reaches the server and is answered; this client never sees the first answer.
    const losing = new ReplogClient({
      url: t.url,
      onRetry: (e) => retries.push(e),
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method === 'PUT' && lost++ === 0) {
          await res.text();
          throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
        }
        return res;
      },
    });
    const result = await losing.put('c-lost', { n: 1 });
    expect(result).toMatchObject({ version: 1, replayed: true });
    expect(retries.map((r) => r.error.code)).toEqual(['NETWORK']);
    expect((await client.get('c-lost'))?.version).toBe(1);
  });

  it('a session reads its own writes from a follower that is behind, and a token carries that to another session', async () => {
    const plain = await client.put('c-ryw', { n: 1 });
    await client.put('c-ryw', { n: 2 });
    // The delayed follower holds neither version yet: a read without a session sees that.
    await expect(client.get('c-ryw', { replica: 'late' })).resolves.toBeUndefined();

    const session = client.session({ readFrom: 'late' });
    const mine = await session.put('c-ryw', { n: 3 });
    const read = await session.get('c-ryw');
    // The follower did not hold it within the wait, so the leader answered: never older than the session's write.
    expect(read).toMatchObject({ version: mine.version, value: { n: 3 }, fallback: { reason: 'min-version-timeout', from: 'late' } });

    const elsewhere = new ReplogClient({ url: t.url }).session({ token: session.token(), readFrom: 'late' });
    expect(elsewhere.floor('c-ryw')).toBe(mine.version);
    await expect(elsewhere.get('c-ryw')).resolves.toMatchObject({ version: mine.version });
    expect(plain.version).toBe(1);
  });

  it('monotonic reads: once a session saw a version, a follower read never returns an older one', async () => {
    await client.put('c-mono', { n: 1 });
    const session = client.session({ readFrom: 'late' });
    const seen = await session.get('c-mono', { replica: 'leader' });
    expect(seen?.version).toBe(1);
    await expect(session.get('c-mono')).resolves.toMatchObject({ version: 1 });
    // Once the delayed follower has caught up, it answers itself.
    const caughtUp = await eventually(
      async () => {
        const item = await session.get('c-mono');
        return item?.replica === 'late' ? item : undefined;
      },
      { timeoutMs: DELAY_MS + 10_000, what: 'the delayed follower answering itself' },
    );
    expect(caughtUp.version).toBe(1);
  });

  it('runs the README example as written (against this stack’s URL), importing replog/client from the built package', async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### The TypeScript client'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1] as string;
    expect(example).toContain("from 'replog/client'");
    // What `npm start` builds first: dist/ with the client's JavaScript and declarations.
    await run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repoRoot, 'tsconfig.build.json')], { cwd: repoRoot });
    // Inside the package, so `replog/client` resolves through package.json's exports as it would once installed.
    mkdirSync(join(repoRoot, '.replog'), { recursive: true });
    const file = join(repoRoot, '.replog', `readme-example-${t.names.id}.mts`);
    writeFileSync(file, example.replace('http://localhost:3000', t.url));
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, timeout: 60_000 });
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^1 \{ text: 'hello' \} (follower-1|late|leader)$/);
      expect(lines).toContain('true');
    } finally {
      rmSync(file, { force: true });
    }
  });
});
