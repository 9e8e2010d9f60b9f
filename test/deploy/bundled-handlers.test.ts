import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGES } from './stages';

/**
 * The zips serverless-esbuild built, unpacked outside the repository and run by a bare `node`
 * (no node_modules anywhere above them, no devDependencies): every handler loads, and the ones
 * that can answer without AWS or Kafka answer a sample event as Lambda would deliver it.
 */
jest.setTimeout(120_000);

const API_KEY = 'smoke-test-api-key-0123456789';

/**
 * The watchdog in a bare node process of its own (its refusal is logged on stderr): one second left
 * is less than a tick may take, so it refuses before it touches AWS. Prints its outcome.
 */
const WATCHDOG_PROBE = `
const path = require('node:path');
const { handler } = require(path.join(process.cwd(), 'leaderWatchdog', process.argv[2]));
handler({}, { awsRequestId: 'smoke-3', getRemainingTimeInMillis: () => 1000 }).then(
  () => process.stdout.write('"watched"\\n'),
  (e) => process.stdout.write(JSON.stringify({ name: e.name, code: e.code, retriable: e.retriable, message: e.message }) + '\\n'));
`;

/** Runs in the bare node process; prints one JSON line of results. */
const PROBE = `
const path = require('node:path');
const zips = JSON.parse(process.argv[2]);
const load = (name, file) => require(path.join(process.cwd(), name, file));
const httpEvent = (routeKey, rawPath, extra) => ({
  version: '2.0', routeKey, rawPath, rawQueryString: '', headers: {}, isBase64Encoded: false,
  requestContext: { requestId: 'smoke-1', http: { method: routeKey.split(' ')[0], path: rawPath } }, ...extra,
});
(async () => {
  const out = { loaded: {} };
  for (const [name, file] of Object.entries(zips)) out.loaded[name] = typeof load(name, file).handler;
  out.healthz = await load('healthz', zips.healthz).handler(httpEvent('GET /healthz', '/healthz'));
  out.putInvalid = await load('putItem', zips.putItem).handler(
    httpEvent('PUT /items/{key}', '/items/a', { pathParameters: { key: 'a' }, body: '{not json', headers: { 'x-api-key': process.env.REPLOG_API_KEY } }),
  );
  const authorize = load('authorizer', zips.authorizer).handler;
  const authEvent = (headers) => ({ version: '2.0', type: 'REQUEST', routeKey: 'PUT /items/{key}', rawPath: '/items/a', rawQueryString: '',
    identitySource: [], cookies: [], routeArn: 'arn:aws:execute-api:us-east-1:123456789012:api/$default/PUT/items/a', headers, requestContext: { requestId: 'smoke-2' } });
  out.authorizeWithout = await authorize(authEvent({}));
  out.authorizeWith = await authorize(authEvent({ 'x-api-key': process.env.REPLOG_API_KEY }));
  out.followerRejects = await load('apply-follower-1', zips['apply-follower-1']).handler({ not: 'a kafka event' }).then(
    () => 'accepted', (e) => e.message);
  process.stdout.write(JSON.stringify(out) + '\\n');
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

describe('bundled handlers', () => {
  const stage = STAGES.aws;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'replog-bundles-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('load in a bare Node process and answer sample events without AWS or Kafka', () => {
    const zips = readdirSync(stage.dir).filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBe(16);
    const entries: Record<string, string> = {};
    for (const zip of zips) {
      const name = zip.replace(/\.zip$/, '');
      const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', join(stage.dir, zip), join(dir, name)], { encoding: 'utf8' });
      expect(unzip.stderr).toBe('');
      const handlerFile = name.startsWith('apply-') ? 'src/functions/follower-apply.js' : undefined;
      entries[name] = handlerFile ?? findJs(join(dir, name));
    }
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    writeFileSync(join(dir, 'probe.js'), PROBE);
    const run = spawnSync(process.execPath, ['probe.js', JSON.stringify(entries)], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        REPLOG_API_KEY: API_KEY,
        REPLOG_FOLLOWER_ID: 'follower-1',
        REPLOG_LOG_LEVEL: 'ERROR',
        AWS_REGION: 'us-east-1',
      },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');

    expect(Object.values(out.loaded)).toEqual(zips.map(() => 'function'));
    expect(out.healthz).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(out.healthz.body)).toEqual({ ok: true });
    expect(out.putInvalid).toMatchObject({ statusCode: 400 });
    expect(JSON.parse(out.putInvalid.body)).toMatchObject({ error: { code: 'BAD_BODY' } });
    expect(out.authorizeWithout).toEqual({ isAuthorized: false });
    expect(out.authorizeWith).toEqual({ isAuthorized: true });
    expect(out.followerRejects).toMatch(/not a Lambda Kafka event/);

    writeFileSync(join(dir, 'watchdog-probe.js'), WATCHDOG_PROBE);
    const watchdog = spawnSync(process.execPath, ['watchdog-probe.js', entries.leaderWatchdog ?? ''], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', REPLOG_LOG_LEVEL: 'ERROR', AWS_REGION: 'us-east-1' },
    });
    expect(watchdog.status).toBe(0);
    expect(JSON.parse(watchdog.stdout.trim())).toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG',
      retriable: false,
      message: expect.stringMatching(/has 1000 ms left at its start, .* raise its timeout/),
    });
    // Logged once, as one JSON line that carries the error.
    const lines = watchdog.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ level: 'ERROR', message: 'the watchdog cannot watch in this invocation', watcher: 'lambda:smoke-3' })]);
    expect(JSON.stringify(lines[0])).toContain('ConfigError');
  });
});

/** The one handler file inside an unpacked function zip (src/functions/.../<name>.js). */
function findJs(root: string): string {
  const walk = (rel: string): string[] =>
    readdirSync(join(root, rel), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(rel, e.name)) : e.name.endsWith('.js') ? [join(rel, e.name)] : [],
    );
  const files = walk('');
  if (files.length !== 1) throw new Error(`expected one handler file in ${root}, found ${files.join(', ')}`);
  return files[0] as string;
}
