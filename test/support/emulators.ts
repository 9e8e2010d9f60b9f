import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The pinned AWS emulators (scripts/emulators/install.sh puts each in its own venv under
 * .replog/emulators) started as servers on loopback for one test file: ministack for the deploy
 * test, moto for a second DynamoDB implementation. Each runs in its own process group, so stopping
 * it also ends what it spawned (ministack's Lambda workers are Node processes that outlive a
 * SIGTERM of ministack itself), and in its own scratch directory, removed afterwards.
 */
const repoRoot = join(__dirname, '..', '..');

export type EmulatorName = 'ministack' | 'moto';

const BINARIES: Record<EmulatorName, string> = { ministack: 'ministack', moto: 'moto_server' };
/** Set to use a port of your choice instead of a free one picked by the OS. */
const PORT_VARIABLES: Record<EmulatorName, string> = { ministack: 'REPLOG_MINISTACK_PORT', moto: 'REPLOG_MOTO_PORT' };
/** Answers 200 once the server serves requests. */
const HEALTH_PATHS: Record<EmulatorName, string> = { ministack: '/_ministack/health', moto: '/moto-api/' };

export interface RunningEmulator {
  name: EmulatorName;
  endpoint: string;
  port: number;
  /** The emulator's stdout and stderr. */
  logFile: string;
  /** Ends the emulator's whole process group (SIGTERM, then SIGKILL) and removes its scratch directory. */
  stop(): Promise<void>;
}

/** The emulator's executable, installed first if missing (a pip install from PyPI, about a minute). */
export function emulatorBinary(name: EmulatorName): string {
  const bin = join(repoRoot, '.replog', 'emulators', name, 'bin', BINARIES[name]);
  if (!existsSync(bin)) execFileSync('bash', [join(repoRoot, 'scripts', 'emulators', 'install.sh'), name], { stdio: 'inherit', timeout: 600_000 });
  return bin;
}

/** A pinned PyPI tool that is no emulator (schemathesis for the HTTP contract test), installed the same way when missing. */
export function pypiToolBinary(name: 'schemathesis'): string {
  const bin = join(repoRoot, '.replog', 'emulators', name, 'bin', name);
  if (!existsSync(bin)) execFileSync('bash', [join(repoRoot, 'scripts', 'emulators', 'install.sh'), name], { stdio: 'inherit', timeout: 600_000 });
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url}: the emulator exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (groupAlive(pid)) signal('SIGKILL');
  while (groupAlive(pid)) await new Promise((r) => setTimeout(r, 20));
}

export async function startEmulator(name: EmulatorName, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningEmulator> {
  const bin = emulatorBinary(name);
  const port = Number(process.env[PORT_VARIABLES[name]] ?? (await freePort()));
  const scratch = join(repoRoot, '.replog', `${name}-${port}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const logFile = join(repoRoot, '.replog', `${name}-${port}.log`);
  const args = name === 'moto' ? ['-H', '127.0.0.1', '-p', String(port)] : [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: scratch,
    ...(name === 'ministack' ? { GATEWAY_PORT: String(port), BIND_HOST: '127.0.0.1', LOG_LEVEL: 'WARNING' } : {}),
    ...extraEnv,
  };
  const log = createWriteStream(logFile);
  const child = spawn(bin, args, { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(child, 5000);
    log.end();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await waitHealthy(`${endpoint}${HEALTH_PATHS[name]}`, child, logFile, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, endpoint, port, logFile, stop };
}
