import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/config';
import { UnavailableError } from '../../core/errors';
import { formatDuration } from '../../core/replay-progress';
import { type LocalEndpoints, readEndpointFile } from '../../local/endpoint-file';

const statusSchema = z.object({
  control: z.object({ revision: z.number(), syncFollower: z.string().nullable(), promotions: z.number() }),
  topic: z.object({ name: z.string(), endOffsets: z.record(z.string(), z.string()) }),
  followers: z.array(
    z.object({
      id: z.string(),
      role: z.string(),
      healthy: z.boolean(),
      lag: z.object({ events: z.number() }),
      committed: z.record(z.string(), z.string().nullable()),
      applyLagMs: z.object({ current: z.number(), last: z.number().nullable(), p99: z.number().nullable() }).partial().optional(),
      healthReason: z.string().nullable().optional(),
      delayMs: z.number().optional(),
      consumer: z
        .object({
          state: z.string(),
          restarts: z.number(),
          lastError: z.object({ name: z.string(), message: z.string(), at: z.number() }).nullable(),
        })
        .passthrough()
        .nullable()
        .optional(),
    }).passthrough(),
  ),
  // The store processes of a `replog dev --separate-stores` (the local runtime adds them).
  localStores: z
    .array(
      z.object({
        id: z.string(),
        endpoint: z.string(),
        pid: z.number().optional(),
        state: z.string(),
        restarts: z.number(),
        lastExit: z.string().optional(),
        nextRestartAt: z.number().optional(),
      }),
    )
    .optional(),
  counters: z.object({
    acks: z.record(z.string(), z.number()),
    syncTimeouts: z.number(),
    promotions: z.number(),
    degradedAcks: z.number(),
    failedAcks: z.number(),
    wait: z.object({ averageMs: z.number(), p99Ms: z.number() }),
  }).passthrough(),
}).passthrough();

export type StatusDocument = z.infer<typeof statusSchema>;

const ms = (v: number | null | undefined) => (v === undefined || v === null ? '-' : `${v} ms`);

/** The consumer as its process reports it; `-` when none reports (an AWS event source mapping). */
function consumerCell(c: StatusDocument['followers'][number]['consumer']): string {
  if (!c) return '-';
  const restarts = c.restarts > 0 ? ` (${c.restarts} restart${c.restarts === 1 ? '' : 's'})` : '';
  const last = c.lastError ? `, last ${c.lastError.name}: ${c.lastError.message} at ${new Date(c.lastError.at).toISOString()}` : '';
  return `${c.state}${restarts}${last}`;
}

/** The store processes, one a line, with how a store that died unasked ended and when it comes back. */
function storeRows(stores: StatusDocument['localStores']): string[] {
  if (!stores || stores.length === 0) return [];
  const width = Math.max(...stores.map((st) => st.id.length));
  return [
    'stores (separate processes)',
    ...stores.map((st) => {
      const restarts = st.restarts > 0 ? `, ${st.restarts} restart${st.restarts === 1 ? '' : 's'}` : '';
      const last = st.lastExit ? `, last exit ${st.lastExit}` : '';
      const next = st.nextRestartAt ? `, restarting at ${new Date(st.nextRestartAt).toISOString()}` : '';
      return `  ${st.id.padEnd(width)}  ${st.endpoint}  pid ${st.pid ?? '-'}  ${st.state}${restarts}${last}${next}`;
    }),
    '',
  ];
}

export function renderStatus(s: StatusDocument): string {
  const rows = s.followers.map((f) => [
    f.id,
    // A delayed follower shows its intended delay: its lag is by design, not a fault.
    f.delayMs ? `${f.role} ${formatDuration(f.delayMs)}` : f.role,
    f.healthy ? 'healthy' : `UNHEALTHY (${f.healthReason ?? 'unknown'})`,
    consumerCell(f.consumer),
    String(f.lag.events),
    ms(f.applyLagMs?.current),
    `${ms(f.applyLagMs?.last)} / ${ms(f.applyLagMs?.p99)}`,
    Object.entries(f.committed).map(([p, o]) => `${p}:${o ?? '-'}`).join(' '),
  ]);
  const header = ['follower', 'role', 'health', 'consumer', 'lag (events)', 'apply lag', 'last / p99', 'committed (partition:offset)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const ends = Object.entries(s.topic.endOffsets).map(([p, o]) => `${p}:${o}`).join(' ');
  const c = s.counters;
  return [
    `topic ${s.topic.name}  end offsets ${ends}`,
    `sync follower ${s.control.syncFollower ?? '(none)'}  revision ${s.control.revision}  promotions ${s.control.promotions}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    ...storeRows(s.localStores),
    `acks ${Object.entries(c.acks).map(([m, n]) => `${m}=${n}`).join(' ') || '(none yet)'}  sync timeouts ${c.syncTimeouts}  degraded ${c.degradedAcks}  failed ${c.failedAcks}`,
    `ack wait avg ${c.wait.averageMs} ms  p99 ${c.wait.p99Ms} ms`,
  ].join('\n');
}

/**
 * Which replog to ask: --url, else REPLOG_URL, else the `replog dev` running here (it advertises
 * its URL, whatever port it took, as the other commands find its store), else PORT on localhost.
 */
export function statusBaseUrl(option: string | undefined, env: NodeJS.ProcessEnv, dev: LocalEndpoints | undefined): string {
  return option ?? env.REPLOG_URL ?? dev?.url ?? `http://127.0.0.1:${env.PORT || 3000}`;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show replication status from a running replog (topic offsets, followers, lag, counters)')
    .option('--url <url>', 'the replog HTTP API (default: REPLOG_URL, else the replog dev running here, else http://127.0.0.1:$PORT)')
    .option('--json', 'print the raw status document', false)
    .action(async (opts: { url?: string; json: boolean }) => {
      const base = statusBaseUrl(opts.url, process.env, readEndpointFile(loadConfig(process.env).dataDir));
      let url: URL;
      try {
        url = new URL('/replication/status', base);
      } catch {
        throw new Error(`--url ${base} is not a URL`);
      }
      const headers: Record<string, string> = process.env.REPLOG_API_KEY ? { 'x-api-key': process.env.REPLOG_API_KEY } : {};
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) }).catch((cause: unknown) => {
        throw new UnavailableError(`no replog answers at ${url.origin}: is replog dev (or serve) running?`, { cause });
      });
      const body = (await res.json()) as unknown;
      if (!res.ok) throw new Error(`status request failed with ${res.status}: ${JSON.stringify(body)}`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${renderStatus(statusSchema.parse(body))}\n`);
    });
}
