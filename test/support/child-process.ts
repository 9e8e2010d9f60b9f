import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..');
const OUTPUT_CAP_CHARS = 64 * 1024 * 1024;
const READY_OVERLAP_CHARS = 64 * 1024;

export interface ReplogProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the process printed a line matching `pattern`. */
  ready: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Runs the real `replog` CLI (from TypeScript source via tsx) as a separate OS process, so fault
 * tests can SIGKILL, SIGSTOP and restart leaders and followers for real.
 */
export function spawnReplog(args: string[], env: NodeJS.ProcessEnv): ReplogProcess {
  return spawnTypeScript(join(repoRoot, 'src', 'cli', 'main.ts'), args, env, 'replog');
}

/** Runs a TypeScript entry point of the repository (a test's own process script) as a separate OS process. */
export function spawnTypeScript(entry: string, args: string[], env: NodeJS.ProcessEnv, name = entry): ReplogProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: repoRoot,
    env: { ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = [name, ...args].join(' ');
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    // Tests count lines over a whole run (a failover logged once among thousands of store errors),
    // so only a runaway process loses its beginning, and it says so.
    if (out.length > OUTPUT_CAP_CHARS) out = `[replog test harness: the first part of this output was dropped]\n${out.slice(-OUTPUT_CAP_CHARS / 2)}`;
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    child,
    output: () => out,
    ready: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        // Each check reads what arrived since the last one (and the line it may have split), not the whole output again.
        let from = 0;
        const check = () => {
          const found = pattern.test(out.slice(from > out.length ? 0 : from));
          from = Math.max(0, out.length - READY_OVERLAP_CHARS);
          if (found) {
            cleanup();
            resolve();
          }
        };
        const onExit = (code: number | null) => {
          cleanup();
          reject(new Error(`${label} exited (${code}) before ready:\n${out.slice(-4000)}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${label} not ready within ${timeoutMs} ms:\n${out.slice(-4000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      }),
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** Runs a one-shot `replog` command to completion (or kills it at the deadline). */
export async function runReplogToEnd(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<{ code: number | null; output: string }> {
  const proc = spawnReplog(args, env);
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      void proc.kill('SIGKILL');
      reject(new Error(`replog ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${proc.output().slice(-4000)}`));
    }, timeoutMs);
    // 'close' (not 'exit'): it fires once stdout and stderr are fully drained.
    proc.child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, output: proc.output() };
}
