import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fc from 'fast-check';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';
import { reportCase } from './support/fault-report';
import { compareReplica, scanTable } from './support/replica-tables';
import { faultRepeats } from './support/fault-tier';

const RUNS = faultRepeats('REPLOG_FUZZ_RUNS', { ci: 1000, long: 4000 });
const SEED = Number(process.env.REPLOG_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 8;
/**
 * Freezes this process (SIGSTOP, then SIGCONT from a helper) for this long once, a third of the way
 * in, as a paused or starved machine does: requests in flight must still answer without a 5xx.
 */
const FREEZE_MS = Number(process.env.REPLOG_FUZZ_FREEZE_MS ?? 0);
const FOLLOWERS = ['follower-1', 'follower-2'];
const ERROR_CODES = new Set([
  'NOT_LEADER',
  'LEADER_MOVING',
  'BAD_KEY',
  'BAD_BODY',
  'BAD_QUERY',
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'READ_ONLY_REPLICA',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
]);

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** Percent-encodes every UTF-16 unit, lone surrogates included (as their WTF-8 bytes), like a sloppy client. */
function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        const code = ch.charCodeAt(0);
        if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) {
          return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        }
        return encodeURIComponent(ch);
      })
      .join('');
  }
}

/** Leaves URL-safe ASCII as is (including % and .), so odd but transmittable paths reach the server. */
const looseEncode = (text: string): string => [...text].map((ch) => (/^[A-Za-z0-9._~!$&'()*+,;=:@%-]$/.test(ch) ? ch : percentEncode(ch))).join('');

const interestingKeys = fc.constantFrom(
  '..',
  '.',
  '%',
  '%%41',
  '/',
  'a/b',
  ' ',
  '\u0000',
  '\u007f',
  '\u0085',
  '\ud800',
  '\udfff',
  '\ufeff',
  'é',
  '🙂',
  'ﷺ',
  'k'.repeat(1024),
  'k'.repeat(1025),
  'é'.repeat(512),
  'é'.repeat(513),
  '__proto__',
  'constructor',
);
const keyArb = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  interestingKeys,
  fc.constantFrom('fz-1', 'fz-2', 'fz-3', 'fz-4'),
);
const encodedKeyArb = fc.oneof(
  keyArb.map(percentEncode),
  keyArb.map(looseEncode),
  fc.tuple(keyArb.map(percentEncode), fc.constantFrom('%', '%G1', '%E0%A4', '%FF', '%C0%AF', '%ED%A0%80')).map(([k, bad]) => k + bad),
);
const pathArb = fc.oneof(
  { weight: 6, arbitrary: encodedKeyArb.map((k) => `/items/${k}`) },
  encodedKeyArb.map((k) => `/items/${k}/extra`),
  fc.constantFrom('/items', '/items/', '/replication/status', '/replication/sync-follower', '/healthz', '/dashboard', '//items//x', '/', '/items/%2e%2e', '/ITEMS/x'),
  fc.string({ maxLength: 30 }).map((s) => `/${looseEncode(s)}`),
);
const queryValueArb = fc.oneof(
  fc.constantFrom('async', 'semi-sync', 'sync', 'quorum:1', 'quorum:2', 'quorum:3', 'quorum:0', 'quorum:', 'leader', 'any', 'follower-1', 'follower-9', '0', '1', '-1', '1e3', '99999999999999999999', 'NaN', '', ' '),
  fc.string({ maxLength: 16 }),
  fc.integer().map(String),
);
const queryArb = fc
  .array(fc.tuple(fc.constantFrom('ack', 'replica', 'minVersion', 'maxWaitMs', 'limit', 'cursor', 'x', ''), queryValueArb), { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${percentEncode(k)}=${looseEncode(v)}`).join('&')}`));

const headerSafe = (v: string) => /^[\t\x20-\x7e]*$/.test(v);
const headersArb = fc.record(
  {
    'if-match': fc.oneof(fc.constantFrom('"1"', 'W/"2"', '*', '"0"', '1', '"99999999999999999999"', '""'), fc.string({ maxLength: 12 }).filter(headerSafe)),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'),
    'x-api-key': fc.string({ maxLength: 40 }).filter(headerSafe),
  },
  { requiredKeys: [] },
);

const bodyArb: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s)) },
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    '',
    '{',
    'nul',
    '1e400',
    '-0',
    '"\\ud800"',
    '{"__proto__":{"polluted":true},"constructor":{"prototype":1}}',
    `[${Array.from({ length: 30_000 }, () => '1e20').join(',')}]`,
    `"${'x'.repeat(300 * 1024)}"`,
    `"${'é'.repeat(100 * 1024)}"`,
    `${'['.repeat(129)}${']'.repeat(129)}`,
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `${'['.repeat(100_000)}`,
    '{"followerId":"follower-2"}',
    '{"followerId":"nobody"}',
  ).map((s) => Buffer.from(s)),
);

const hostileArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'PUT', 'PUT', 'PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS', 'HEAD'),
    path: pathArb,
    query: queryArb,
    headers: headersArb,
    body: bodyArb,
  })
  .map(({ method, path, query, headers, body }) => ({ method, path: path + query, headers: headers as Record<string, string>, body }));

/** Well-formed traffic with odd values, so the fuzzer also reaches the write, read and ack paths. */
const plausibleArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('PUT', 'PUT', 'GET', 'DELETE'),
    key: fc.oneof(fc.constantFrom('fz-1', 'fz-2', 'fz-3', 'fz-4', 'fz-5'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })),
    query: fc.constantFrom('', '?ack=async', '?ack=semi-sync', '?ack=sync', '?ack=quorum:1', '?replica=follower-1', '?replica=any&minVersion=1&maxWaitMs=50'),
    value: fc.jsonValue({ maxDepth: 4 }),
  })
  .map(({ method, key, query, value }) => ({
    method,
    path: `/items/${percentEncode(key)}${method === 'GET' || !query.startsWith('?replica') ? query : ''}`,
    headers: { 'content-type': 'application/json' },
    body: method === 'PUT' ? Buffer.from(JSON.stringify(value)) : undefined,
  }));

const requestArb = fc.oneof({ weight: 3, arbitrary: hostileArb }, { weight: 2, arbitrary: plausibleArb });

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function send(baseUrl: string, req: FuzzRequest): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error('no answer within 30 s')));
    r.on('error', reject);
    if (req.body) r.end(req.body);
    else r.end();
  });
}

/** What is wrong with an answer, or undefined when it follows the documented contract. */
function violation(req: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `5xx: ${answer.status} ${answer.body.slice(0, 300)}`;
  if (req.method === 'HEAD') return undefined;
  if (answer.status >= 400) {
    if (!answer.contentType.startsWith('application/json')) return `error without JSON content type: ${answer.contentType}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return `error body is not JSON: ${answer.body.slice(0, 200)}`;
    }
    const e = (parsed as { error?: { code?: unknown; message?: unknown; requestId?: unknown } }).error;
    if (Object.keys(parsed as object).length !== 1 || !e) return `error body is not { error }: ${answer.body.slice(0, 200)}`;
    if (typeof e.code !== 'string' || !ERROR_CODES.has(e.code)) return `unknown error code ${String(e.code)}`;
    if (typeof e.message !== 'string' || e.message.length === 0) return 'error without a message';
    if (typeof e.requestId !== 'string') return 'error without a requestId';
    return undefined;
  }
  if (answer.contentType.startsWith('text/html')) return undefined;
  try {
    JSON.parse(answer.body);
  } catch {
    return `success body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  return undefined;
}

/** Bytes no HTTP client library would send: the parser itself must fail politely. */
const rawRequests: { name: string; bytes: string }[] = [
  { name: 'garbage request line', bytes: 'HELLO\r\n\r\n' },
  { name: 'HTTP/0.9 style', bytes: 'GET /healthz\r\n\r\n' },
  { name: 'bare LF line endings', bytes: 'GET /healthz HTTP/1.1\nHost: x\n\n' },
  { name: 'space in the path', bytes: 'GET /items/a b HTTP/1.1\r\nHost: x\r\n\r\n' },
  { name: 'header without a colon', bytes: 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n' },
  { name: 'oversized header', bytes: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n` },
  { name: 'non-numeric content-length', bytes: 'PUT /items/a HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n' },
  { name: 'two content-lengths', bytes: 'PUT /items/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n12' },
  { name: 'bad chunk size', bytes: 'PUT /items/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n' },
  { name: 'chunked and content-length', bytes: 'PUT /items/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n2\r\n{}\r\n0\r\n\r\n' },
  { name: 'huge declared body', bytes: 'PUT /items/a HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n{}' },
  { name: 'control character in a header', bytes: 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n' },
  { name: 'unknown HTTP version', bytes: 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n' },
  { name: 'NUL in the request line', bytes: 'GET /items/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n' },
];

function sendRaw(baseUrl: string, bytes: string): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (c) => {
      received += c.toString('latin1');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
    socket.write(Buffer.from(bytes, 'latin1'));
  });
}

/**
 * Parses one raw HTTP/1.1 response enough to check it: Node may accept some lenient forms (an
 * answer below 400 is fine), but an error must be a 4xx in the documented JSON shape.
 */
function rawViolation(response: string): string | undefined {
  if (response === '') return undefined;
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
  if (!(status >= 100 && status < 500)) return `status line: ${response.slice(0, 80)}`;
  if (status < 400) return undefined;
  const [head = '', body = ''] = response.split('\r\n\r\n');
  if (!/content-type: application\/json/i.test(head)) return `no JSON content type: ${head.slice(0, 200)}`;
  try {
    const e = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    if (!e?.code || !ERROR_CODES.has(e.code) || !e.message) return `bad error body: ${body.slice(0, 200)}`;
  } catch {
    return `body is not JSON: ${body.slice(0, 200)}`;
  }
  return undefined;
}

/**
 * Thousands of generated requests (odd keys, unicode, huge and broken bodies, bad query values,
 * wrong methods) and a set of malformed raw requests: no 5xx, no crash, every error in the
 * documented JSON shape, and afterwards every follower still equals the leader.
 */
describe('fault: HTTP fuzzing', () => {
  let t: TestStack;

  afterAll(async () => {
    await t?.stop();
  });

  it(`given ${RUNS} hostile requests, answers each with a documented status and shape and never breaks`, async () => {
    t = await startTestStack('fuzz', {
      followers: 'all',
      env: { REPLOG_FOLLOWERS: FOLLOWERS.join(','), REPLOG_ACK_MODE: 'async', REPLOG_LOG_LEVEL: 'SILENT', REPLOG_READ_MAX_WAIT_MS: '200', REPLOG_READ_WAIT_MS: '100' },
    });
    const requests = fc.sample(requestArb, { numRuns: RUNS, seed: SEED });
    const violations: string[] = [];
    const byStatus: Record<string, number> = {};
    const slowest: { ms: number; atMs: number; what: string }[] = [];
    // A stall of this whole process (a blocked event loop, a frozen or starved machine) shows here.
    const loop = monitorEventLoopDelay({ resolution: 20 });
    loop.enable();
    const fuzzStarted = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        if (FREEZE_MS > 0 && next === Math.floor(requests.length / 3)) {
          spawn('sh', ['-c', `sleep 0.2; kill -STOP ${process.pid}; sleep ${FREEZE_MS / 1000}; kill -CONT ${process.pid}`], { detached: true, stdio: 'ignore' }).unref();
        }
        const req = requests[next++] as FuzzRequest;
        const started = Date.now();
        try {
          const answer = await send(t.url, req);
          slowest.push({ ms: Date.now() - started, atMs: started - fuzzStarted, what: `${req.method} ${req.path.slice(0, 60)} → ${answer.status}` });
          byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
          const problem = violation(req, answer);
          if (problem) violations.push(`${req.method} ${req.path.slice(0, 120)} → ${problem}`);
        } catch (error) {
          violations.push(`${req.method} ${req.path.slice(0, 120)} → no answer: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    loop.disable();

    const rawProblems: string[] = [];
    for (const raw of rawRequests) {
      const problem = rawViolation(await sendRaw(t.url, raw.bytes));
      if (problem) rawProblems.push(`${raw.name}: ${problem}`);
    }
    const alive = await t.api('GET', '/healthz');

    // Whatever the fuzzer managed to write replicated exactly (odd keys and values included).
    const rt = t.stack.runtime;
    const leader = await scanTable(rt.documentClient, rt.config.tables.leader);
    let mismatches: string[] = [];
    await eventually(
      async () => {
        mismatches = [];
        for (const id of FOLLOWERS) mismatches.push(...compareReplica(leader, await scanTable(rt.documentClient, rt.config.tables.follower(id)), id).mismatches);
        return mismatches.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'followers to equal the leader after fuzzing' },
    ).catch(() => undefined);

    reportCase('http-fuzz', {
      seed: SEED,
      requests: requests.length,
      statuses: JSON.stringify(byStatus),
      rawRequests: rawRequests.length,
      violations: violations.length,
      rawViolations: rawProblems.length,
      leaderKeysWritten: leader.size,
      followerMismatches: mismatches.length,
      slowestMs: slowest.sort((a, b) => b.ms - a.ms)[0]?.ms ?? 0,
      loopStallMaxMs: Math.round(loop.max / 1e6),
      frozeMs: FREEZE_MS,
    });
    process.stdout.write(`slowest: ${JSON.stringify(slowest.slice(0, 8))}\n`);
    expect(violations.slice(0, 10)).toEqual([]);
    expect(rawProblems).toEqual([]);
    expect(alive.status).toBe(200);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(byStatus['200'] ?? 0).toBeGreaterThan(RUNS / 20);
  });
});
