import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ReplogProcess, spawnReplog } from '../support/child-process';
import { pypiToolBinary } from '../support/emulators';
import { eventually } from '../support/eventually';
import { interrupt } from '../faults/support/replog-cli';

const run = promisify(execFile);
const repoRoot = join(__dirname, '..', '..');
const API_KEY = 'contract-test-key-5b9e1d7c3a';
/** Test cases per operation and phase: enough for every check to meet every operation, bounded so the run stays in minutes. */
const MAX_EXAMPLES = Number(process.env.REPLOG_CONTRACT_EXAMPLES ?? 25);

/**
 * The HTTP API against its own OpenAPI document: `replog dev` as `npm start` runs it (with an API
 * key, so the auth checks have something to check), its GET /openapi.json is docs/openapi.json
 * and passes the OpenAPI validator, and schemathesis runs every check (--checks all: no 5xx,
 * every status and body and header as documented, invalid requests refused, valid ones accepted,
 * auth enforced, unsupported methods 405 with Allow) on every operation, positive and negative,
 * failing the test on any failure it reports.
 */
describe('the HTTP API meets its OpenAPI document (schemathesis against replog dev)', () => {
  let dataDir: string;
  let dev: ReplogProcess | undefined;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'replog-contract-'));
    const { KAFKA_BROKERS: _k, DYNAMODB_ENDPOINT: _d, REPLOG_URL: _u, ...rest } = process.env;
    dev = spawnReplog(['dev', '--in-memory'], { ...rest, REPLOG_DATA_DIR: dataDir, PORT: '0', REPLOG_API_KEY: API_KEY, REPLOG_LOG_LEVEL: 'ERROR', REPLOG_LOG_FORMAT: 'json' });
    await dev.ready(/Ctrl-C stops everything this run started/, 180_000);
    url = /HTTP API\s+(\S+)/.exec(dev.output())?.[1] as string;
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 60_000, what: 'replog dev ready' });
  }, 240_000);

  afterAll(async () => {
    // Ctrl-C: dev stops what it started (its broker too, unless one was running already).
    if (dev) await interrupt(dev);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('serves docs/openapi.json at GET /openapi.json, and it passes the OpenAPI 3.1 validator', async () => {
    const served = await (await fetch(`${url}/openapi.json`)).json();
    expect(served).toEqual(JSON.parse(readFileSync(join(repoRoot, 'docs', 'openapi.json'), 'utf8')));
    const file = join(dataDir, 'served-openapi.json');
    writeFileSync(file, JSON.stringify(served));
    const cli = join(repoRoot, 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');
    const { stdout } = await run(process.execPath, [cli, file]);
    expect(JSON.parse(stdout)).toEqual({ valid: true });
  });

  it('passes every schemathesis check on every operation', async () => {
    const st = pypiToolBinary('schemathesis');
    const junit = join(dataDir, 'schemathesis.xml');
    const args = [
      '--config-file',
      join(__dirname, 'schemathesis.toml'),
      '--no-color',
      'run',
      `${url}/openapi.json`,
      '--url',
      url,
      '--checks',
      'all',
      '--mode',
      'all',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      process.env.REPLOG_CONTRACT_SEED ?? '18',
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--header',
      `x-api-key: ${API_KEY}`,
      '--generation-database',
      'none',
      '--report',
      'junit',
      '--report-junit-path',
      junit,
    ];
    const started = Date.now();
    const outcome = await run(st, args, { cwd: dataDir, maxBuffer: 64 * 1024 * 1024, timeout: 900_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
    const summary = outcome.stdout.split('\n').filter((l) => /passed|failed|errored|skipped|test cases|Test cases|operations/i.test(l)).slice(-12);
    process.stdout.write(`schemathesis (${((Date.now() - started) / 1000).toFixed(0)} s, up to ${MAX_EXAMPLES} examples per operation):\n${summary.join('\n')}\n`);
    if (outcome.code !== 0) throw new Error(`schemathesis exited ${outcome.code}:\n${outcome.stdout.slice(-20_000)}\n${outcome.stderr.slice(-4000)}`);
    const report = readFileSync(junit, 'utf8');
    // Every operation of the document was tested (but the document itself, which schemathesis loads
    // rather than tests; the test above validates it), the stateful scenarios ran, none failed or errored.
    const served = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(served.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .filter((op) => op !== 'GET /openapi.json');
    const tested = [...report.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1]);
    expect(tested.sort()).toEqual([...documented, 'Stateful tests'].sort());
    expect(/<testsuite [^>]*failures="(\d+)"/.exec(report)?.[1]).toBe('0');
    expect(/<testsuite [^>]*errors="(\d+)"/.exec(report)?.[1]).toBe('0');
  }, 1_000_000);
});
