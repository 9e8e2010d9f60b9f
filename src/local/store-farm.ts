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
  /** When a store that died unasked is started again (epoch ms); undefined when no restart is pending. */
  nextRestartAt: number | undefined;
}

/** A store process this farm stopped, for the shutdown message. */
export interface StoppedStore {
  id: string;
  pid: number;
}

/**
 * What the farm runs: a store (store-process, the default) or the local runtime's follower
 * process (follower-process: every follower consumer and the outbox relay, out of the leader's
 * event loop). Each child is started as `node <entry> <id> <port> [<dataDir>]` and counts as
 * started once it prints `replog <kind> <id> `.
 */
export interface ChildKind {
  /** The module beside this one that the child runs, without extension. */
  entry: 'store-process' | 'follower-process';
  /** In its readiness line and in log messages: `store`, `followers`. */
  kind: string;
  /** The environment the children get (default: this process's): a stack's own settings, endpoints included. */
  env?: NodeJS.ProcessEnv;
  /** Copy the children's stderr (their logs) to this process's stderr, as lines of this process's own. */
  forwardStderr?: boolean;
  /** How long a child may take to stop on SIGTERM before it is killed (default 5 s). */
  stopTimeoutMs?: number;
}

const STORE_KIND: ChildKind = { entry: 'store-process', kind: 'store' };

export interface StoreFarmOptions {
  log: Log;
  /** What the children are (default: stores). */
  child?: ChildKind;
  /**
   * A store that dies unasked is started again after this long (0: never), doubling with each
   * death in a row up to `maxRestartDelayMs`. A fault test that wants a killed leader store to be a
   * failover, not a blip, makes it longer than the leader-failure detection (or kills with `kill`).
   */
  restartDelayMs: number;
  /** The longest wait before a restart (default: `restartDelayMs`, i.e. no backoff). */
  maxRestartDelayMs?: number;
  /**
   * The first wait for one store, asked at its death (default `restartDelayMs` for every store):
   * the store of whichever replica leads then may wait out the failure detection.
   */
  restartDelayFor?: (id: string) => number;
  /** Told after every change of a store's process or state (a death, a restart), e.g. to re-advertise the pids. */
  onChange?: (stores: StoreStatus[]) => void;
}

interface Managed {
  spec: StoreSpec;
  port: number;
  child: ChildProcess | undefined;
  state: StoreState;
  restarts: number;
  lastExit: string | undefined;
  /** Deaths in a row without a run of STABLE_RUN_MS in between: the backoff's exponent. */
  deathsInARow: number;
  startedAt: number;
  /** The end of the process's stderr, for the report of a death. */
  stderrTail: string;
  /** Set while a stop or kill was asked for, so the exit is not treated as a failure. */
  expectedExit: boolean;
  restartTimer: NodeJS.Timeout | undefined;
  nextRestartAt: number | undefined;
}

const START_TIMEOUT_MS = 60_000;
/** A store that ran this long before it died starts the backoff again from the first delay. */
const STABLE_RUN_MS = 30_000;

/** The wait before the n-th restart in a row (n ≥ 1): `first`, doubling, at most `max`. */
export function restartBackoff(first: number, max: number, n: number): number {
  if (first <= 0) return 0;
  return Math.min(Math.max(first, max), first * 2 ** Math.min(Math.max(n - 1, 0), 30));
}

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

/** The child's entry point, as compiled (dist) or as source run through tsx (tests, benchmarks). */
function entryArgs(name: ChildKind['entry']): string[] {
  const fromSource = __filename.endsWith('.ts');
  // A plain path: under tsx's ESM loader require.resolve answers with a query string node cannot load.
  const entry = join(__dirname, fromSource ? `${name}.ts` : `${name}.js`);
  return fromSource ? ['--import', 'tsx', entry] : [entry];
}

/**
 * Every replica's store and the control store as processes of their own, each on a port of its own
 * that it keeps across restarts. A store that dies unasked is reported and started again after a
 * delay; `kill` and `start` let fault tests take one down and bring it back for real. With
 * `child` the same supervision runs the local runtime's follower process (its port is then the
 * process's metrics port), so there is one way a local child is started, restarted and stopped.
 */
export class LocalStoreFarm {
  private readonly stores = new Map<string, Managed>();
  private stopping = false;
  private readonly child: ChildKind;

  private constructor(private readonly options: StoreFarmOptions) {
    this.child = options.child ?? STORE_KIND;
  }

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
          deathsInARow: 0,
          startedAt: 0,
          stderrTail: '',
          expectedExit: false,
          restartTimer: undefined,
          nextRestartAt: undefined,
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
      nextRestartAt: m.nextRestartAt,
    }));
  }

  /** The store's current process id (it changes with each restart), or undefined while it is down. */
  pid(id: string): number | undefined {
    return this.managed(id).child?.pid;
  }

  ids(): string[] {
    return [...this.stores.keys()];
  }

  /** Starts the store (again) on its port; resolves once it answers. */
  async start(id: string): Promise<void> {
    const m = this.managed(id);
    if (m.restartTimer) clearTimeout(m.restartTimer);
    m.restartTimer = undefined;
    m.nextRestartAt = undefined;
    if (m.state === 'running' || m.state === 'starting') return;
    m.state = 'starting';
    m.expectedExit = false;
    m.stderrTail = '';
    const { kind } = this.child;
    const child = spawn(process.execPath, [...entryArgs(this.child.entry), id, String(m.port), ...(m.spec.dataDir ? [m.spec.dataDir] : [])], {
      env: { ...(this.child.env ?? process.env), NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    m.child = child;
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind} ${id} did not answer within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`replog ${kind} ${id} `)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        if (this.child.forwardStderr) process.stderr.write(chunk);
        output = `${output}${chunk.toString()}`.slice(-8000);
        m.stderrTail = `${m.stderrTail}${chunk.toString()}`.slice(-2000);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${kind} ${id} exited (${signal ?? code}) before it answered:\n${output}`));
      });
    });
    child.once('exit', (code, signal) => this.exited(m, child, code, signal));
    await ready;
    m.state = 'running';
    m.startedAt = Date.now();
    this.changed();
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

  /** Stops every store process this farm runs and says which it stopped (a store that was down is not among them). */
  async stop(): Promise<StoppedStore[]> {
    this.stopping = true;
    const stopped: StoppedStore[] = [];
    await Promise.all(
      [...this.stores.values()].map(async (m) => {
        if (m.restartTimer) clearTimeout(m.restartTimer);
        m.restartTimer = undefined;
        m.nextRestartAt = undefined;
        const child = m.child;
        if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
        m.expectedExit = true;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        const hard = setTimeout(() => child.kill('SIGKILL'), this.child.stopTimeoutMs ?? 5000);
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await gone;
        clearTimeout(hard);
        stopped.push({ id: m.spec.id, pid: child.pid });
      }),
    );
    const order = [...this.stores.keys()];
    return stopped.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  }

  private exited(m: Managed, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (m.child !== child) return;
    m.state = 'down';
    m.child = undefined;
    if (this.stopping) return;
    m.lastExit = signal ?? `exit ${code}`;
    const asked = m.expectedExit;
    m.expectedExit = false;
    const what = `${this.child.kind} process`;
    const facts = { [this.child.kind]: m.spec.id, pid: child.pid, how: m.lastExit, exitCode: code, signal };
    if (asked) {
      this.options.log.warn(`${what} stopped on request`, facts);
      this.changed();
      return;
    }
    // A run that lasted starts the backoff afresh; a store that keeps dying waits longer each time.
    m.deathsInARow = m.startedAt > 0 && Date.now() - m.startedAt >= STABLE_RUN_MS ? 1 : m.deathsInARow + 1;
    const first = this.options.restartDelayFor?.(m.spec.id) ?? this.options.restartDelayMs;
    const delay = restartBackoff(first, Math.max(first, this.options.maxRestartDelayMs ?? first), m.deathsInARow);
    const error = new Error(`${this.child.kind} ${m.spec.id} (pid ${child.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`} without being asked to stop`);
    const stderr = m.stderrTail.trim();
    this.options.log.warn(`${what} died`, {
      ...facts,
      error,
      ...(stderr ? { stderr } : {}),
      deathsInARow: m.deathsInARow,
      restartInMs: delay > 0 ? delay : undefined,
    });
    if (delay > 0) {
      m.nextRestartAt = Date.now() + delay;
      m.restartTimer = setTimeout(() => {
        m.restartTimer = undefined;
        m.restarts += 1;
        this.start(m.spec.id).then(
          () => this.options.log.info(`${what} restarted`, { [this.child.kind]: m.spec.id, pid: m.child?.pid, restarts: m.restarts, endpoint: `http://127.0.0.1:${m.port}` }),
          // Its exit (if it exited) already scheduled the next attempt, further backed off.
          (error: unknown) => this.options.log.error(`${what} did not restart`, { [this.child.kind]: m.spec.id, error }),
        );
      }, delay);
    }
    this.changed();
  }

  private changed(): void {
    if (this.stopping || this.options.onChange === undefined) return;
    try {
      this.options.onChange(this.status());
    } catch (error) {
      this.options.log.error(`${this.child.kind} change listener failed`, { error });
    }
  }

  private managed(id: string): Managed {
    const m = this.stores.get(id);
    if (m === undefined) throw new Error(`no local store ${id}`);
    return m;
  }
}
