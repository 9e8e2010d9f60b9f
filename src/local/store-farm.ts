import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Log } from '../core/ports';

export interface StoreSpec {
  /** A replica id, or `control`. */
  id: string;
  /** On-disk data (it survives a restart); in memory when absent. */
  dataDir?: string;
}

export type StoreState = 'starting' | 'running' | 'down';

export interface StoreStatus {
  id: string;
  endpoint: string;
  pid: number | undefined;
  state: StoreState;
  restarts: number;
  /** How the last run ended (exit code or signal), when it ended unasked. */
  lastExit: string | undefined;
}

export interface StoreFarmOptions {
  log: Log;
  /**
   * A store that dies unasked is started again after this long (0: never). Longer than the
   * leader-failure detection by default, so a killed leader store is a failover, not a blip.
   */
  restartDelayMs: number;
}

interface Managed {
  spec: StoreSpec;
  port: number;
  child: ChildProcess | undefined;
  state: StoreState;
  restarts: number;
  lastExit: string | undefined;
  /** Set while a stop or kill was asked for, so the exit is not treated as a failure. */
  expectedExit: boolean;
  restartTimer: NodeJS.Timeout | undefined;
}

const START_TIMEOUT_MS = 60_000;

/** A free TCP port on loopback, kept by the store for its whole life so clients reconnect after a restart. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The store entry point, as compiled (dist) or as source run through tsx (tests, benchmarks). */
function entryArgs(): string[] {
  const fromSource = __filename.endsWith('.ts');
  // A plain path: under tsx's ESM loader require.resolve answers with a query string node cannot load.
  const entry = join(__dirname, fromSource ? 'store-process.ts' : 'store-process.js');
  return fromSource ? ['--import', 'tsx', entry] : [entry];
}

/**
 * Every replica's store and the control store as processes of their own, each on a port of its own
 * that it keeps across restarts. A store that dies unasked is reported and started again after a
 * delay; `kill` and `start` let fault tests take one down and bring it back for real.
 */
export class LocalStoreFarm {
  private readonly stores = new Map<string, Managed>();
  private stopping = false;

  private constructor(private readonly options: StoreFarmOptions) {}

  static async start(specs: readonly StoreSpec[], options: StoreFarmOptions): Promise<LocalStoreFarm> {
    const farm = new LocalStoreFarm(options);
    try {
      for (const spec of specs) {
        farm.stores.set(spec.id, {
          spec,
          port: await freePort(),
          child: undefined,
          state: 'down',
          restarts: 0,
          lastExit: undefined,
          expectedExit: false,
          restartTimer: undefined,
        });
      }
      await Promise.all(specs.map((s) => farm.start(s.id)));
      return farm;
    } catch (error) {
      await farm.stop();
      throw error;
    }
  }

  endpoint(id: string): string {
    return `http://127.0.0.1:${this.managed(id).port}`;
  }

  status(): StoreStatus[] {
    return [...this.stores.values()].map((m) => ({
      id: m.spec.id,
      endpoint: `http://127.0.0.1:${m.port}`,
      pid: m.child?.pid,
      state: m.state,
      restarts: m.restarts,
      lastExit: m.lastExit,
    }));
  }

  /** Starts the store (again) on its port; resolves once it answers. */
  async start(id: string): Promise<void> {
    const m = this.managed(id);
    if (m.restartTimer) clearTimeout(m.restartTimer);
    m.restartTimer = undefined;
    if (m.state === 'running' || m.state === 'starting') return;
    m.state = 'starting';
    m.expectedExit = false;
    const child = spawn(process.execPath, [...entryArgs(), id, String(m.port), ...(m.spec.dataDir ? [m.spec.dataDir] : [])], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    m.child = child;
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`store ${id} did not answer within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`replog store ${id} `)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        output = `${output}${chunk.toString()}`.slice(-8000);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`store ${id} exited (${signal ?? code}) before it answered:\n${output}`));
      });
    });
    child.once('exit', (code, signal) => this.exited(m, child, code, signal));
    await ready;
    m.state = 'running';
  }

  /** Sends `signal` to the store's process (SIGKILL: a crash; SIGSTOP: a hang) and waits for it to end when it ends. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.managed(id);
    const child = m.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      child.kill(signal);
      return;
    }
    // A fault the caller asked for: reported like any other, but not restarted behind its back.
    if (m.restartTimer) clearTimeout(m.restartTimer);
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    m.expectedExit = true;
    child.kill(signal);
    await gone;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.stores.values()].map(async (m) => {
        if (m.restartTimer) clearTimeout(m.restartTimer);
        const child = m.child;
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
        m.expectedExit = true;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await gone;
        clearTimeout(hard);
      }),
    );
  }

  private exited(m: Managed, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (m.child !== child) return;
    m.state = 'down';
    m.child = undefined;
    if (this.stopping) return;
    m.lastExit = signal ?? `exit ${code}`;
    const asked = m.expectedExit;
    m.expectedExit = false;
    if (asked) {
      this.options.log.warn('store process stopped on request', { store: m.spec.id, how: m.lastExit });
      return;
    }
    const delay = this.options.restartDelayMs;
    this.options.log.warn('store process died', { store: m.spec.id, how: m.lastExit, restartInMs: delay > 0 ? delay : undefined });
    if (delay <= 0) return;
    m.restartTimer = setTimeout(() => {
      m.restartTimer = undefined;
      m.restarts += 1;
      this.start(m.spec.id).catch((error: unknown) => this.options.log.error('store process did not restart', { store: m.spec.id, error }));
    }, delay);
  }

  private managed(id: string): Managed {
    const m = this.stores.get(id);
    if (m === undefined) throw new Error(`no local store ${id}`);
    return m;
  }
}
