import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { loadConfig } from '../../config/config';
import { ConflictError, ReplogError, UnavailableError } from '../../core/errors';
import { readEndpointFile } from '../../local/endpoint-file';
import { followerIdOption } from '../cli-options';
import { statusBaseUrl } from './status';

const reportSchema = z.object({
  from: z.string(),
  to: z.string(),
  term: z.number(),
  fence: z.record(z.string(), z.string()),
  pauseMs: z.number(),
  drained: z.number(),
  revision: z.number(),
});

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * `replog failover --to <replica>`: a planned switchover, asked of a running replog's admin API
 * (POST /replication/leader), so it runs where the stores and the log are, locally or deployed.
 * Writes pause while it runs and then go to the new leader.
 */
export function registerFailover(program: Command): void {
  program
    .command('failover')
    .description(
      'move the leadership to another replica (a planned switchover): writes wait while the old leader drains its outbox, the new term is fenced in the log and the target applies up to the fence; then the target leads and the old leader follows',
    )
    .requiredOption('--to <replica>', 'the replica to lead (main or a follower id)', followerIdOption)
    .option('--reason <text>', 'why, for the history', 'planned switchover')
    .option('--url <url>', 'the replog HTTP API (default: REPLOG_URL, else the replog dev running here, else http://127.0.0.1:$PORT)')
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { to: string; reason: string; url?: string; json: boolean }) => {
      const base = statusBaseUrl(opts.url, process.env, readEndpointFile(loadConfig(process.env).dataDir));
      let url: URL;
      try {
        url = new URL('/replication/leader', base);
      } catch {
        throw new Error(`--url ${base} is not a URL`);
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (process.env.REPLOG_API_KEY) headers['x-api-key'] = process.env.REPLOG_API_KEY;
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ to: opts.to, reason: opts.reason, by: `replog failover (${userInfo().username})` }),
        // The switchover waits for the target to apply up to the fence (30 s at most), then answers.
        signal: AbortSignal.timeout(60_000),
      }).catch((cause: unknown) => {
        throw new UnavailableError(`no replog answers at ${url.origin}: is replog dev (or serve) running?`, { cause });
      });
      const body = (await res.json()) as unknown;
      if (!res.ok) {
        const e = errorSchema.safeParse(body);
        const message = e.success ? e.data.error.message : JSON.stringify(body);
        if (res.status === 409) throw new ConflictError(`the switchover to ${opts.to} was refused: ${message}`);
        throw new ReplogError(e.success ? (e.data.error.code as ReplogError['code']) : 'UNAVAILABLE', res.status, `the switchover to ${opts.to} failed (${res.status}): ${message}`, {
          retriable: res.status >= 500,
        });
      }
      const report = reportSchema.parse(body);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const fence = Object.entries(report.fence)
        .map(([p, o]) => `${p}:${o}`)
        .join(' ');
      process.stdout.write(
        `${report.to} leads term ${report.term} (was ${report.from}); writes paused ${report.pauseMs} ms; ` +
          `fence at ${fence}; ${report.drained} outbox marks drained first; ${report.from} follows now\n`,
      );
    });
}
