import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConflictError, LeaderMovingError, NetworkError, NotLeaderError, ReplicationTimeoutError, ReplogClient, type RetryEvent, UnavailableError } from '../../../src/client';
import { SessionVersions } from '../../../src/client/session';

/** A loopback HTTP server answering from a script: what the client sees from a real socket. */
async function scriptedServer(answer: (req: IncomingMessage, body: string, n: number) => { status: number; body: unknown; headers?: Record<string, string> }) {
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const a = answer(req, body, seen.length);
      res.writeHead(a.status, { 'content-type': 'application/json', 'x-request-id': `r-${seen.length}`, ...a.headers });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const written = (version: number, writeId: string, replayed = false) => ({
  key: 'k',
  version,
  term: 1,
  leader: 'main',
  position: { partition: 0, offset: '7' },
  ack: { mode: 'async', confirmedBy: [], waitedMs: 0, degraded: false },
  writeId,
  replayed,
});
const failure = (code: string, details: Record<string, unknown>, retriable?: boolean) => ({
  error: { code, message: code, details, ...(retriable === undefined ? {} : { retriable }), requestId: 'x' },
});

describe('the client’s retries', () => {
  const noWait = { sleep: async () => undefined };
  let closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.map((c) => c()));
    closers = [];
  });

  it('given 503s that say nothing was committed, sends the same write (same Idempotency-Key) again with backoff until it succeeds', async () => {
    const s = await scriptedServer((req, _b, n) =>
      n < 3 ? { status: 503, body: failure('UNAVAILABLE', { committedOnLeader: false, published: false }, true) } : { status: 200, body: written(1, String(req.headers['idempotency-key'])) },
    );
    closers.push(s.close);
    const retries: RetryEvent[] = [];
    const client = new ReplogClient({ url: s.url, onRetry: (e) => retries.push(e), retry: { baseDelayMs: 1, maxDelayMs: 2 } });

    const result = await client.put('k', { n: 1 });

    expect(result.version).toBe(1);
    expect(s.seen).toHaveLength(3);
    const ids = new Set(s.seen.map((r) => r.headers['idempotency-key']));
    expect(ids.size).toBe(1);
    expect(retries.map((r) => [r.attempt, r.error.code])).toEqual([
      [1, 'UNAVAILABLE'],
      [2, 'UNAVAILABLE'],
    ]);
    expect(s.seen.every((r) => r.headers['if-match'] === undefined)).toBe(true);
  });

  it('given a 503 that says the write was committed as version 4, the retry expects version 4 (If-Match), so it is answered from it or refused if it was replaced', async () => {
    const s = await scriptedServer((req, _b, n) =>
      n === 1
        ? { status: 503, body: failure('UNAVAILABLE', { committedOnLeader: true, published: false, key: 'k', version: 4 }, true) }
        : { status: 200, body: written(4, String(req.headers['idempotency-key']), true) },
    );
    closers.push(s.close);
    const result = await new ReplogClient({ url: s.url, ...noWait }).put('k', 1);

    expect(result).toMatchObject({ version: 4, replayed: true });
    expect(s.seen.map((r) => r.headers['if-match'])).toEqual([undefined, '"4"']);
  });

  it('given LEADER_MOVING with Retry-After, waits at least that long (capped by maxDelayMs) before the next attempt', async () => {
    const s = await scriptedServer((req, _b, n) =>
      n === 1
        ? { status: 503, body: failure('LEADER_MOVING', { committedOnLeader: false }, true), headers: { 'retry-after': '1' } }
        : { status: 200, body: written(1, String(req.headers['idempotency-key'])) },
    );
    closers.push(s.close);
    const delays: number[] = [];
    const client = new ReplogClient({ url: s.url, retry: { maxDelayMs: 1500 }, onRetry: (e) => delays.push(e.delayMs) });
    await client.put('k', 1);
    expect(delays).toEqual([1000]);
  });

  it('stops after the attempts it is allowed and throws the last typed error, saying how many it sent', async () => {
    const s = await scriptedServer(() => ({ status: 503, body: failure('UNAVAILABLE', { committedOnLeader: false }, true) }));
    closers.push(s.close);
    const error = await new ReplogClient({ url: s.url, retry: { attempts: 3 }, ...noWait }).get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503, attempts: 3, retrySafe: true });
    expect(s.seen).toHaveLength(3);
  });

  it('never sends again what the server calls final: 504 REPLICATION_TIMEOUT, 409 CONFLICT', async () => {
    const timeout = await scriptedServer(() => ({ status: 504, body: failure('REPLICATION_TIMEOUT', { committedOnLeader: true, version: 2 }, false) }));
    const conflict = await scriptedServer(() => ({ status: 409, body: failure('CONFLICT', {}) }));
    closers.push(timeout.close, conflict.close);
    await expect(new ReplogClient({ url: timeout.url, ...noWait }).put('k', 1)).rejects.toBeInstanceOf(ReplicationTimeoutError);
    await expect(new ReplogClient({ url: conflict.url, ...noWait }).setSyncFollower('f1')).rejects.toBeInstanceOf(ConflictError);
    expect([timeout.seen.length, conflict.seen.length]).toEqual([1, 1]);
  });

  it('sends a write again after NOT_LEADER (the writer’s term ended, nothing kept) and reads after no answer at all', async () => {
    const s = await scriptedServer((req, _b, n) =>
      n === 1 ? { status: 409, body: failure('NOT_LEADER', { committedOnLeader: false }) } : { status: 200, body: written(1, String(req.headers['idempotency-key'])) },
    );
    closers.push(s.close);
    const retries: RetryEvent[] = [];
    await new ReplogClient({ url: s.url, onRetry: (e) => retries.push(e), ...noWait }).put('k', 1);
    expect(retries[0]?.error).toBeInstanceOf(NotLeaderError);

    // Nothing listens on the port any more: a NetworkError after every attempt.
    const gone = s.url;
    await s.close();
    closers = [];
    const error = await new ReplogClient({ url: gone, retry: { attempts: 2 }, ...noWait }).get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ attempts: 2 });
  });

  it('gives LEADER_MOVING its own type', async () => {
    const s = await scriptedServer(() => ({ status: 503, body: failure('LEADER_MOVING', { committedOnLeader: false }, true) }));
    closers.push(s.close);
    await expect(new ReplogClient({ url: s.url, retry: { attempts: 1 } }).delete('k')).rejects.toBeInstanceOf(LeaderMovingError);
  });

  it('refuses an answer that does not fit the contract instead of handing it on', async () => {
    const s = await scriptedServer(() => ({ status: 200, body: { key: 'k', version: 'one' } }));
    closers.push(s.close);
    await expect(new ReplogClient({ url: s.url }).get('k')).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('does not fit') });
  });
});

describe('session versions', () => {
  it('only ever raise a key’s floor, and survive a token round trip', () => {
    const v = new SessionVersions();
    v.observe('a', 3);
    v.observe('a', 2);
    v.observe('b', 1);
    const again = new SessionVersions(v.token());
    expect([again.floor('a'), again.floor('b'), again.floor('c')]).toEqual([3, 1, undefined]);
  });

  it('refuse a token that is not one', () => {
    expect(() => new SessionVersions('bm90IGEgdG9rZW4')).toThrow(/not a replog session token/);
    expect(() => new SessionVersions(Buffer.from(JSON.stringify({ v: 1, keys: { a: 0 } })).toString('base64url'))).toThrow(/not a replog session token/);
  });
});
