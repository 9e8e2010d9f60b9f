import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brokerScript } from '../../src/local/kafka-broker';
import { type ReplogProcess, runReplogToEnd, spawnReplog } from '../support/child-process';
import { eventually } from '../support/eventually';
import { interrupt as interruptProcess } from '../faults/support/replog-cli';

const run = promisify(execFile);

/** A port that is free now, with the next one free too (the broker's controller port). */
async function freePortPair(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await free(port)) && (await free(port + 1))) return port;
  }
}

/**
 * `replog dev` as a user runs it, in a data folder and on a broker port of this test's own: what it
 * refuses before starting anything, what a second one says, how the other processes find it, what
 * Ctrl-C stops and what it leaves running, and what `--reset` deletes.
 */
describe('replog dev on one machine', () => {
  let dataDir: string;
  let kafkaPort: number;
  let env: NodeJS.ProcessEnv;
  const running = new Set<ReplogProcess>();

  const brokerRunning = async () =>
    run('bash', [brokerScript, 'status'], { env: { ...process.env, KAFKA_PORT: String(kafkaPort) } }).then(
      () => true,
      () => false,
    );
  const startDev = async (args: string[] = [], extra: NodeJS.ProcessEnv = {}) => {
    const proc = spawnReplog(['dev', ...args], { ...env, ...extra });
    running.add(proc);
    await proc.ready(/Ctrl-C stops everything this run started/, 120_000);
    const url = /HTTP API\s+(\S+)/.exec(proc.output())?.[1] as string;
    return { proc, url };
  };
  const interrupt = (proc: ReplogProcess) => interruptProcess(proc, running);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  type Processes = { localProcesses?: Array<{ id: string; pid?: number; state: string; restarts: number; lastExit?: string }> };
  const followerProcess = async (url: string) => ((await (await fetch(`${url}/replication/status`)).json()) as Processes).localProcesses?.[0];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'replog-dev-'));
    kafkaPort = await freePortPair();
    const { KAFKA_BROKERS: _k, DYNAMODB_ENDPOINT: _d, REPLOG_URL: _u, ...rest } = process.env;
    env = { ...rest, REPLOG_DATA_DIR: dataDir, KAFKA_PORT: String(kafkaPort), PORT: '0', REPLOG_LOG_LEVEL: 'ERROR', REPLOG_LOG_FORMAT: 'json' };
  });
  afterAll(async () => {
    await Promise.all([...running].map((p) => p.kill('SIGKILL')));
    await run('bash', [brokerScript, 'reset'], { env: { ...process.env, KAFKA_PORT: String(kafkaPort) } }).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given a bad setting, refuses before anything starts, naming the variable and the value given', async () => {
    const port = await runReplogToEnd(['dev'], { ...env, PORT: 'abc' });
    expect(port.code).toBe(1);
    expect(port.output).toContain('PORT: must be a whole number from 0 to 65535, got "abc"');
    const kafka = await runReplogToEnd(['dev'], { ...env, KAFKA_PORT: 'abc' });
    expect(kafka.code).toBe(1);
    expect(kafka.output).toContain('KAFKA_PORT: must be a whole number from 1 to 65535, got "abc"');
    expect(await brokerRunning()).toBe(false);
    expect(existsSync(join(dataDir, 'dynalite'))).toBe(false);
  });

  it('given no DYNAMODB_ENDPOINT and no replog dev to join, a follower process refuses to run a private store', async () => {
    const follower = await runReplogToEnd(['follower', '--id', 'follower-1'], env);
    expect(follower.code).toBe(1);
    expect(follower.output).toContain('replog follower --id follower-1 needs a store that the other replog processes reach');
    expect(await brokerRunning()).toBe(false);
  });

  it('given a running replog dev, a second one says it is running, the other commands find it, and Ctrl-C stops the broker it started', async () => {
    const dev = await startDev();
    expect(dev.proc.output()).toMatch(/Kafka\s+127\.0\.0\.1:\d+ \(started by this run, stopped by Ctrl-C\)/);
    expect(dev.proc.output()).toMatch(/followers\s+follower-1 \(sync\), follower-2, follower-3 {2}\(the default\)/);
    const put = await fetch(`${dev.url}/items/a`, { method: 'PUT', body: '{"n":1}' });
    expect(put.status).toBe(200);

    // The followers and the relay run in a follower process beside the leader's, as in Lambda.
    expect(dev.proc.output()).toContain('consumers and outbox relay in a follower process');
    const first = Number(/followers {2}pid (\d+) \(leader: pid (\d+)\)/.exec(dev.proc.output())?.[1]);
    expect(first).not.toBe(dev.proc.child.pid);
    expect(commandLine(first)).toContain('follower-process');
    // A follower process that dies is restarted (after 1 s) and shows in the status.
    process.kill(first, 'SIGKILL');
    const again = await eventually(
      async () => {
        const p = await followerProcess(dev.url);
        return p?.state === 'running' && p.pid !== first ? p : undefined;
      },
      { timeoutMs: 60_000, what: 'the follower process restarted' },
    );
    expect(again).toMatchObject({ id: 'followers', restarts: 1, lastExit: 'SIGKILL' });
    // The restarted one follows: a semi-sync write is confirmed by a follower again, not degraded.
    const confirmed = await fetch(`${dev.url}/items/b?ack=semi-sync`, { method: 'PUT', body: '{"n":2}' });
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { ack: { confirmedBy: string[]; degraded: boolean } }).ack).toMatchObject({ confirmedBy: [expect.any(String)], degraded: false });

    const second = await runReplogToEnd(['dev'], env);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`replog dev is already running here (pid ${dev.proc.child.pid})`);
    expect(second.output).not.toMatch(/\n\s+at /);

    // A follower process without DYNAMODB_ENDPOINT joins the running replog's store and broker.
    const follower = spawnReplog(['follower', '--id', 'follower-2'], env);
    running.add(follower);
    await follower.ready(/replog follower follower-2 consuming/);
    expect(follower.output()).toContain(`using the store and broker of the replog dev running here (pid ${dev.proc.child.pid})`);
    await interrupt(follower);

    // `replog status` asks the running replog, on whatever port it took.
    const status = await runReplogToEnd(['status'], env);
    expect(status.code).toBe(0);
    expect(status.output).toMatch(/follower-1\s+sync\s+healthy/);
    expect(status.output).toMatch(new RegExp(`followers\\s+http://127\\.0\\.0\\.1:\\d+\\s+pid ${again.pid}\\s+running, 1 restart, last exit SIGKILL`));

    const ended = await interrupt(dev.proc);
    expect(ended.code).toBe(0);
    // Ctrl-C leaves no follower process behind.
    expect(dev.proc.output()).toContain(`stopped the follower process this run started: followers (pid ${again.pid})`);
    expect(alive(again.pid as number)).toBe(false);
    expect(dev.proc.output()).toContain(`stopped the Kafka broker this run started (127.0.0.1:${kafkaPort})`);
    expect(await brokerRunning()).toBe(false);
  });

  it('given a broker the user started and REPLOG_FOLLOWERS changed, says which roster is in force and why, and Ctrl-C leaves the broker running', async () => {
    await run('bash', [brokerScript, 'start'], { env: { ...process.env, KAFKA_PORT: String(kafkaPort) } });
    const dev = await startDev(['--single-process'], { REPLOG_FOLLOWERS: 'follower-1,follower-2' });
    const out = dev.proc.output();
    expect(out).toContain('consumers and outbox relay in this process (REPLOG_LOCAL_PROCESSES=single)');
    expect(out).toContain('REPLOG_FOLLOWERS=follower-1,follower-2 is not applied: the control state already holds a roster (follower-1, follower-2, follower-3)');
    expect(out).toContain('`replog follower remove <id>`');
    expect(out).toMatch(/followers\s+follower-1 \(sync\), follower-2, follower-3 {2}\(from the control state/);
    expect(out).toMatch(/\(already running: left running on Ctrl-C\)/);
    // The data lives on under the data folder.
    expect((await fetch(`${dev.url}/items/a`)).status).toBe(200);

    expect((await interrupt(dev.proc)).code).toBe(0);
    expect(dev.proc.output()).toContain(`left the Kafka broker on 127.0.0.1:${kafkaPort} running: it was running before this replog dev started`);
    expect(await brokerRunning()).toBe(true);
  });

  it('given --reset, starts afresh: the store and the log are gone', async () => {
    const dev = await startDev(['--reset']);
    expect(dev.proc.output()).toContain(`reset: deleted the store (${join(dataDir, 'dynalite')})`);
    expect((await fetch(`${dev.url}/items/a`)).status).toBe(404);
    const status = (await (await fetch(`${dev.url}/replication/status`)).json()) as { topic: { endOffsets: Record<string, string> } };
    expect(Object.values(status.topic.endOffsets).every((o) => o === '0')).toBe(true);
    expect((await interrupt(dev.proc)).code).toBe(0);
    expect(await brokerRunning()).toBe(false);
  });
});
