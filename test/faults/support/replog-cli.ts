import { type ReplogProcess, runReplogToEnd } from '../../support/child-process';

/** Runs a one-shot `replog` command to completion (or kills it at the deadline). */
export const runReplogOnce = (args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000) => runReplogToEnd(args, env, timeoutMs);

/** The last line of a command's output that parses as a JSON object with the given field. */
export function jsonLineWith<T>(output: string, field: string): T {
  const lines = output.split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (field in parsed) return parsed as T;
    } catch {
      // A log line cut by the buffer; keep looking.
    }
  }
  throw new Error(`no JSON line with "${field}" in:\n${output.slice(-3000)}`);
}

/** Resolves with how the process ended: its exit code or the signal that killed it. */
export function exited(proc: ReplogProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
    return Promise.resolve({ code: proc.child.exitCode, signal: proc.child.signalCode });
  }
  return new Promise((resolve) => proc.child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Ctrl-C for a replog process: SIGINT, then how it ended; `running` forgets it. */
export async function interrupt(proc: ReplogProcess, running?: Set<ReplogProcess>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const ended = exited(proc);
  proc.child.kill('SIGINT');
  const how = await ended;
  running?.delete(proc);
  return how;
}
