import { DescribeStackResourcesCommand, DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createLambdaClient } from '../../src/adapters/lambda/aws-clients';
import { loadConfig } from '../../src/config/config';
import { Runtime } from '../../src/functions/runtime';
import type { WatchInvocation } from '../../src/functions/scheduled-watchdog';
import { FunctionInvocationError, LambdaFunctionInvoker } from '../../src/adapters/lambda/function-invoker';
import { type ReplogProcess, runReplogToEnd, spawnReplog } from '../support/child-process';
import { type RunningEmulator, startEmulator } from '../support/emulators';
import { eventually } from '../support/eventually';
import { apiClient } from '../support/http-client';
import { brokers, uniqueNames } from '../support/test-names';
import { stackLeftovers } from './stack-leftovers';
import { packagingEnv, repoRoot } from './stages';

/**
 * The `local` stage deployed for real into ministack (a LocalStack-compatible emulator that runs
 * the bundled handlers as Node processes), on the real local broker: the stack creates, the HTTP
 * API and its authorizer answer, a semi-sync write is acknowledged by the *deployed* follower
 * function (ministack never polls Kafka for a mapping, so `replog mappings run` does what Lambda's
 * event source mapping would: it invokes that function through the Lambda Invoke API and commits
 * the group's offsets after it succeeded), a redeploy changes nothing, and `serverless remove`
 * leaves nothing behind. Every step has its own deadline; the file takes 50 s on an idle machine
 * (deploy 21 s, redeploy 9 s, remove 9 s) and up to about two minutes under load.
 */
jest.setTimeout(300_000);

const STACK = 'replog-local';
const REGION = 'us-east-1';
const API_KEY = 'deploy-test-api-key-0123456789abcdef';
const SECRET_NAME = 'replog/local/api-key';
const SYNC_TIMEOUT_MS = 20_000;
/** The local stage's watchdog stops with a failover's bound left (the runtime's defaults; the deploy changes none of them). */
const WATCHDOG_TICK_BOUND_MS = new Runtime(loadConfig({})).watchdogTickBoundMs;
/** A timeout that leaves the watchdog 3-4 s to watch: the test invokes it once, rather than for a whole minute and more. */
const WATCHDOG_TIMEOUT_S = Math.ceil((WATCHDOG_TICK_BOUND_MS + 3000) / 1000);
const names = uniqueNames('deploy');
const timings: Record<string, number> = {};
const started = Date.now();

let emulator: RunningEmulator;
let mappings: ReplogProcess | undefined;
let apiBase = '';

/** `serverless <command> --stage local` into the emulator, bounded by `timeoutMs`. */
function serverless(command: 'deploy' | 'remove', timeoutMs: number): string {
  const begin = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', 'serverless', 'bin', 'serverless.js'),
      command,
      '--stage',
      'local',
      `--param=kafkaBrokers=${brokers()}`,
      `--param=dynamodbEndpoint=${emulator.endpoint}`,
      `--param=topic=${names.topic}`,
      `--param=groupPrefix=${names.groupPrefix}`,
      `--param=apiKeySecret=${SECRET_NAME}`,
      '--param=readsRequireKey=true',
      // The first write meets three cold follower functions; a promotion would be a correct answer
      // to a 2 s timeout, but this test asks for the sync follower's own confirmation.
      `--param=syncTimeoutMs=${SYNC_TIMEOUT_MS}`,
      // The watchdog's schedule is deployed disabled: a scheduled run still in flight when the stack
      // is removed would write its log group again after the removal. The test invokes it itself.
      '--param=watchdogEnabled=false',
      // The relay's schedule too, for the same reason (a relay run in flight at the removal left
      // its log group behind once); nothing here needs the relay.
      '--param=relayEnabled=false',
      `--param=watchdogTimeout=${WATCHDOG_TIMEOUT_S}`,
    ],
    // serverless-localstack sends every AWS call of the local stage to EDGE_PORT.
    { cwd: repoRoot, env: packagingEnv({ EDGE_PORT: String(emulator.port), AWS_REGION: REGION }), encoding: 'utf8', timeout: timeoutMs },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`serverless ${command} --stage local failed (${run.status ?? run.signal}):\n${output.slice(-6000)}`);
  timings[command === 'deploy' && timings.deploy !== undefined ? 'redeploy' : command] = (Date.now() - begin) / 1000;
  return output;
}

const aws = () => ({ endpoint: emulator.endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

async function stackResources(): Promise<Map<string, string>> {
  const { StackResources = [] } = await new CloudFormationClient(aws()).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  return new Map(StackResources.map((r) => [r.LogicalResourceId ?? '', `${r.ResourceType} ${r.PhysicalResourceId}`]));
}

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  await new SecretsManagerClient(aws()).send(new CreateSecretCommand({ Name: SECRET_NAME, SecretString: API_KEY }));
  const topics = await runReplogToEnd(['topics', 'create'], { ...process.env, KAFKA_BROKERS: brokers(), REPLOG_TOPIC: names.topic, REPLOG_LOG_LEVEL: 'ERROR' });
  if (topics.code !== 0) throw new Error(`replog topics create failed:\n${topics.output}`);
});

afterAll(async () => {
  await mappings?.kill('SIGTERM');
  await emulator?.stop();
  const total = ((Date.now() - started) / 1000).toFixed(1);
  const steps = Object.entries(timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');
  process.stdout.write(`\n  emulator deploy test: ${steps}; ${total} s in all\n`);
});

const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => apiClient(apiBase)(method, path, body, headers);
const withKey = { 'x-api-key': API_KEY };

describe('the local stage deployed into ministack', () => {
  it('deploys: the stack creates every resource and its HTTP API answers', async () => {
    serverless('deploy', 240_000);
    const { Stacks = [] } = await new CloudFormationClient(aws()).send(new DescribeStacksCommand({ StackName: STACK }));
    expect(Stacks[0]?.StackStatus).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
    const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs).toMatchObject({ LeaderTableName: 'replog-local-leader', ControlTableName: 'replog-local-control' });
    const resources = await stackResources();
    const types = [...resources.values()].map((v) => v.split(' ')[0]);
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(16);
    expect(types.filter((t) => t === 'AWS::DynamoDB::Table')).toHaveLength(5);
    expect(types.filter((t) => t === 'AWS::Lambda::EventSourceMapping')).toHaveLength(4);
    expect(types).toContain('AWS::ApiGatewayV2::Authorizer');
    // ministack serves an HTTP API's $default stage under /_aws/execute-api/<api id>/.
    apiBase = `${emulator.endpoint}/_aws/execute-api/${outputs.HttpApiId}/$default`;
    expect((await api('GET', '/healthz')).status).toBe(200);
  });

  it('reports a deployed function’s failure as an error to retry, not as a delivered batch', async () => {
    const lambda = createLambdaClient({ region: REGION, endpoint: emulator.endpoint });
    try {
      const failure = new LambdaFunctionInvoker(lambda).invoke('replog-local-apply-follower-1', { not: 'a kafka event' });
      await expect(failure).rejects.toBeInstanceOf(FunctionInvocationError);
      await expect(failure).rejects.toMatchObject({ retriable: true, details: { functionError: 'Unhandled', errorMessage: expect.stringMatching(/not a Lambda Kafka event/) } });
    } finally {
      lambda.destroy();
    }
  });

  it('starts the mapping stand-in on the stack’s four replica mappings (main and three followers)', async () => {
    mappings = spawnReplog(['mappings', 'run', '--stack', STACK, '--endpoint', emulator.endpoint, '--refresh', '1s'], {
      ...process.env,
      AWS_REGION: REGION,
      REPLOG_LOG_LEVEL: 'INFO',
    });
    await mappings.ready(/polling 4 of 4 mappings of replog-local/, 60_000);
    for (const id of ['main', 'follower-1', 'follower-2', 'follower-3']) expect(mappings.output()).toContain(`group      ${names.groupPrefix}-${id}`);
  });

  it('guards writes at the authorizer and reads in the function: 403 without or with a wrong key, 401 for a read without one', async () => {
    expect((await api('PUT', '/items/k1', { n: 1 })).status).toBe(403);
    expect((await api('PUT', '/items/k1', { n: 1 }, { 'x-api-key': 'not-the-key-0123456789' })).status).toBe(403);
    expect((await api('DELETE', '/items/k1')).status).toBe(403);
    expect((await api('POST', '/replication/leader', { to: 'follower-1' })).status).toBe(403);
    // With the key the deployed setLeader function answers itself: a body it refuses moves nothing.
    const badMove = await api('POST', '/replication/leader', { to: 'follower-1', extra: true }, withKey);
    expect(badMove.status).toBe(400);
    expect(badMove.body).toMatchObject({ error: { code: 'BAD_BODY' } });
    const noKey = await api('GET', '/items/k1');
    expect(noKey.status).toBe(401);
    expect(noKey.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await api('GET', '/items/k1', undefined, { 'x-api-key': 'not-the-key-0123456789' })).status).toBe(403);
    // Nothing was written by the refused requests.
    expect((await api('GET', '/items/k1', undefined, withKey)).status).toBe(404);
  });

  it('acknowledges a semi-sync write with the deployed follower function’s commit, and serves it from the followers', async () => {
    const put = await api('PUT', '/items/k1?ack=semi-sync', { n: 1 }, withKey);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'k1', version: 1, ack: { mode: 'semi-sync', confirmedBy: ['follower-1'], degraded: false } });
    timings['first semi-sync ack (cold follower)'] = (put.body as { ack: { waitedMs: number } }).ack.waitedMs / 1000;
    // follower-1's table is written only by its deployed function: the mapping stand-in has no table access.
    const read = await api('GET', '/items/k1?replica=follower-1', undefined, withKey);
    expect(read.body).toMatchObject({ key: 'k1', version: 1, value: { n: 1 }, replica: 'follower-1' });
    for (const id of ['follower-2', 'follower-3']) {
      await eventually(async () => (await api('GET', `/items/k1?replica=${id}`, undefined, withKey)).status === 200, { what: `${id} holds k1`, timeoutMs: 30_000 });
    }
    const del = await api('DELETE', '/items/k1', undefined, withKey);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ version: 2, ack: { confirmedBy: ['follower-1'], degraded: false } });
    timings['warm semi-sync ack'] = (del.body as { ack: { waitedMs: number } }).ack.waitedMs / 1000;
    expect((await api('GET', '/items/k1?replica=follower-1', undefined, withKey)).status).toBe(404);
  });

  it('reports status from the followers’ committed offsets, and serves the dashboard', async () => {
    const status = await eventually(
      async () => {
        const res = await api('GET', '/replication/status', undefined, withKey);
        const followers = (res.body as { followers?: { id: string; healthy: boolean; lag: { events: number }; role: string }[] }).followers ?? [];
        return followers.length === 3 && followers.every((f) => f.healthy && f.lag.events === 0) ? followers : undefined;
      },
      { what: 'three healthy followers with no lag', timeoutMs: 30_000 },
    );
    expect(status.find((f) => f.id === 'follower-1')?.role).toBe('sync');
    const page = await api('GET', '/dashboard');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<title>replog dashboard</title>');
    // The page polls status relative to its own URL, which here lies under the API's stage path.
    expect(String(page.body)).toContain("new URL('replication/status', location.href)");
    const polled = await fetch(new URL('replication/status', `${apiBase}/dashboard`), { headers: withKey });
    expect(polled.status).toBe(200);
  });

  it('redeploys without changes: nothing is replaced and the API keeps answering', async () => {
    const before = await stackResources();
    expect(serverless('deploy', 240_000)).toMatch(/No changes to deploy/);
    expect(await stackResources()).toEqual(before);
    expect((await api('GET', '/items/k1', undefined, withKey)).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const put = await api('PUT', '/items/k2', { n: 2 }, withKey);
    expect(put.body).toMatchObject({ key: 'k2', version: 1, ack: { confirmedBy: ['follower-1'], degraded: false } });
  });

  it('moves the leader role to follower-2 and back through the deployed setLeader function; the deposed main follows through apply-main', async () => {
    const status = async () =>
      (await api('GET', '/replication/status', undefined, withKey)).body as { leader: { replica: string; term: number; state: string; table: string } };
    const before = (await status()).leader;
    expect(before).toMatchObject({ replica: 'main', table: 'replog-local-leader' });
    const begin = Date.now();
    const away = await api('POST', '/replication/leader', { to: 'follower-2', reason: 'deploy test' }, withKey);
    expect({ status: away.status, body: away.body }).toMatchObject({ status: 200, body: { from: 'main', to: 'follower-2', term: before.term + 1 } });
    timings['switchover to follower-2'] = (Date.now() - begin) / 1000;
    expect((await status()).leader).toMatchObject({ replica: 'follower-2', term: before.term + 1, table: 'replog-local-follower-follower-2' });
    // Writes go to the new leader's table; main, a follower now, applies them through its own function.
    const put = await api('PUT', '/items/k3', { n: 3 }, withKey);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'k3', version: 1, ack: { degraded: false } });
    await eventually(async () => (await api('GET', '/items/k3?replica=main', undefined, withKey)).status === 200, { what: 'main holds k3', timeoutMs: 30_000 });
    const back = await api('POST', '/replication/leader', { to: 'main', reason: 'deploy test, back' }, withKey);
    expect({ status: back.status, body: back.body }).toMatchObject({ status: 200, body: { from: 'follower-2', to: 'main', term: before.term + 2 } });
    expect((await status()).leader).toMatchObject({ replica: 'main', term: before.term + 2 });
    const again = await api('PUT', '/items/k3', { n: 4 }, withKey);
    expect(again.body).toMatchObject({ key: 'k3', version: 2 });
    await eventually(async () => ((await api('GET', '/items/k3?replica=follower-2', undefined, withKey)).body as { version?: number }).version === 2, {
      what: 'follower-2 holds k3 version 2',
      timeoutMs: 30_000,
    });
  });

  it('runs the deployed leader’s watchdog: it watches main for what its timeout leaves past a failover’s bound, and status shows its report', async () => {
    const leader = ((await api('GET', '/replication/status', undefined, withKey)).body as { leader: { replica: string; term: number } }).leader;
    expect(leader.replica).toBe('main');
    const lambda = createLambdaClient({ region: REGION, endpoint: emulator.endpoint });
    try {
      const begin = Date.now();
      const run = (await new LambdaFunctionInvoker(lambda).invoke('replog-local-leaderWatchdog', {})) as WatchInvocation;
      timings['watchdog invocation'] = (Date.now() - begin) / 1000;
      expect(run).toMatchObject({
        watcher: expect.stringMatching(/^lambda:./),
        autoFailover: true,
        failedTicks: 0,
        lastError: null,
        tickBoundMs: WATCHDOG_TICK_BOUND_MS,
        report: { leader: 'main', term: leader.term, state: 'healthy' },
      });
      // Ticks 250 ms apart for what the timeout leaves past the bound.
      expect(run.ticks).toBeGreaterThanOrEqual(2);
      expect(run.remainingAtStopMs).toBeGreaterThanOrEqual(WATCHDOG_TICK_BOUND_MS);
      expect(run.watchedMs).toBeLessThanOrEqual(WATCHDOG_TIMEOUT_S * 1000 - WATCHDOG_TICK_BOUND_MS);
      // Nothing else watches here (the schedule is disabled): status shows this invocation's report.
      const status = (await api('GET', '/replication/status', undefined, withKey)).body as { leader: { watch: unknown } };
      expect(status.leader.watch).toMatchObject({ watcher: run.watcher, leader: 'main', term: leader.term, state: 'healthy' });
    } finally {
      lambda.destroy();
    }
  });

  it('removes the stack and everything it created; the stand-in stops polling the deleted mappings', async () => {
    serverless('remove', 120_000);
    expect(await stackLeftovers({ endpoint: emulator.endpoint, region: REGION }, STACK)).toEqual([]);
    await mappings?.ready(/polling 4 of 4 mappings([\s\S]*stopping its poller){4}/, 30_000);
  });
});
