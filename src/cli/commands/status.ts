import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/config';
import { UnavailableError } from '../../core/errors';
import { formatDuration } from '../../core/replay-progress';
import { describeDurability } from '../../core/topic-durability';
import { type LocalEndpoints, readEndpointFile } from '../../local/endpoint-file';

const positions = z.record(z.string(), z.string());

/**
 * The leader section. Every field but `table` is optional: a replog from before leadership was a
 * role answers `{table, topic, startedAt}` only, and this command still renders it.
 */
const leaderSchema = z
  .object({
    table: z.string(),
    replica: z.string().optional(),
    term: z.number().optional(),
    state: z.string().optional(),
    since: z.string().nullable().optional(),
    transition: z
      .object({
        kind: z.string(),
        from: z.string(),
        to: z.string(),
        term: z.number(),
        requestedAt: z.string().nullable(),
        by: z.string(),
        reason: z.string(),
        fence: positions.nullable(),
      })
      .passthrough()
      .nullable()
      .optional(),
    history: z
      .array(
        z
          .object({
            term: z.number(),
            from: z.string(),
            to: z.string(),
            at: z.string().nullable(),
            kind: z.string(),
            by: z.string(),
            reason: z.string(),
            pauseMs: z.number(),
          })
          .passthrough(),
      )
      .optional(),
    rewinding: z
      .array(z.object({ replica: z.string(), lastTerm: z.number(), since: z.string().nullable(), rewinding: z.object({ by: z.string(), since: z.string().nullable() }).nullable() }).passthrough())
      .optional(),
    watch: z
      .object({ watcher: z.string(), leader: z.string(), term: z.number(), state: z.string(), reason: z.string().nullable(), failingSince: z.string().nullable(), checkedAt: z.string().nullable() })
      .passthrough()
      .nullable()
      .optional(),
  })
  .passthrough();

/** A child process of `replog dev` (a store, the follower process), as the local runtime reports it. */
const localChild = z.object({
  id: z.string(),
  endpoint: z.string(),
  pid: z.number().optional(),
  state: z.string(),
  restarts: z.number(),
  lastExit: z.string().optional(),
  nextRestartAt: z.number().optional(),
});

const statusSchema = z.object({
  leader: leaderSchema.optional(),
  control: z.object({ revision: z.number(), syncFollower: z.string().nullable(), promotions: z.number() }),
  topic: z.object({
    name: z.string(),
    endOffsets: z.record(z.string(), z.string()),
    // Absent from a replog that predates degraded status; null when the offsets were read.
    offsetsUnavailable: z.object({ error: z.string(), unavailablePartitions: z.array(z.number()) }).nullable().optional(),
    // Absent from a replog that predates it; null where the process has no Kafka admin client.
    durability: z
      .union([
        z.object({
          brokers: z.number(),
          partitions: z.number(),
          replicationFactor: z.number(),
          minInsyncReplicas: z.number().nullable(),
          uncleanLeaderElection: z.boolean().nullable(),
          underReplicatedPartitions: z.array(z.number()),
          belowMinIsrPartitions: z.array(z.number()),
          offlinePartitions: z.array(z.number()),
          singleCopyRisk: z.string().nullable(),
          state: z.enum(['ok', 'under-replicated', 'below-min-isr', 'offline']),
          error: z.null(),
        }),
        z.object({ error: z.string() }),
      ])
      .nullable()
      .optional(),
  }),
  followers: z.array(
    z.object({
      id: z.string(),
      role: z.string(),
      healthy: z.boolean(),
      lag: z.object({ events: z.number().nullable() }),
      committed: z.record(z.string(), z.string().nullable()),
      /** What could not be read about this follower; absent from a replog that predates degraded status. */
      unread: z.array(z.string()).optional(),
      applyLagMs: z.object({ current: z.number().nullable(), last: z.number().nullable(), p99: z.number().nullable() }).partial().optional(),
      healthReason: z.string().nullable().optional(),
      delayMs: z.number().optional(),
      /** Events refused because a newer term's fence came before them; absent from a replog that does not fence. */
      fencedRefusals: z.number().optional(),
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
  localStores: z.array(localChild).optional(),
  // The follower process of a `replog dev` (the local runtime adds it), in the stores' shape.
  localProcesses: z.array(localChild).optional(),
  partial: z.boolean().optional(),
  unread: z.array(z.object({ read: z.string(), error: z.string(), groupId: z.string().optional(), unavailablePartitions: z.array(z.number()) }).passthrough()).optional(),
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

/** The store (or follower) processes, one a line, with how one that died unasked ended and when it comes back. */
function storeRows(stores: StatusDocument['localStores'], title = 'stores (separate processes)'): string[] {
  if (!stores || stores.length === 0) return [];
  const width = Math.max(...stores.map((st) => st.id.length));
  return [
    title,
    ...stores.map((st) => {
      const restarts = st.restarts > 0 ? `, ${st.restarts} restart${st.restarts === 1 ? '' : 's'}` : '';
      const last = st.lastExit ? `, last exit ${st.lastExit}` : '';
      const next = st.nextRestartAt ? `, restarting at ${new Date(st.nextRestartAt).toISOString()}` : '';
      return `  ${st.id.padEnd(width)}  ${st.endpoint}  pid ${st.pid ?? '-'}  ${st.state}${restarts}${last}${next}`;
    }),
    '',
  ];
}

/** How many leadership moves `replog status` lists, newest first. */
export const HISTORY_SHOWN = 3;

const fenceText = (fence: Record<string, string>) =>
  Object.entries(fence)
    .map(([p, o]) => `${p}:${o}`)
    .join(' ');

/**
 * Who leads, under which term, since when and into which table; the move under way, if one is;
 * the last few moves with who, why and how long writes paused.
 */
export function renderLeader(leader: NonNullable<StatusDocument['leader']>): string[] {
  if (leader.replica === undefined) return [`leader table ${leader.table}`];
  const head = [
    `leader ${leader.replica}`,
    leader.term === undefined ? null : `term ${leader.term}`,
    leader.state === undefined ? null : leader.state === 'active' ? 'active' : leader.state.toUpperCase(),
    leader.since ? `since ${leader.since}` : null,
    `table ${leader.table}`,
  ];
  const lines = [head.filter((c) => c !== null).join('  ')];
  const t = leader.transition;
  if (t) {
    const verb = t.kind === 'failover' ? 'failing over' : 'handing over';
    const fence = t.fence ? `fence at ${fenceText(t.fence)}` : 'fence not in the log yet';
    lines.push(
      `  ${verb} from ${t.from} to ${t.to} for term ${t.term}, requested by ${t.by}${t.requestedAt ? ` at ${t.requestedAt}` : ''} because ${t.reason}; ${fence}`,
    );
  } else if (leader.state !== undefined && leader.state !== 'active') {
    lines.push(`  leadership is ${leader.state}: no target chosen yet`);
  }
  const w = leader.watch;
  if (w) {
    const state = w.state === 'healthy' ? 'healthy' : w.state.toUpperCase();
    const failing = w.failingSince ? `, failing since ${w.failingSince}` : '';
    lines.push(`  watchdog ${w.watcher}: ${w.leader} term ${w.term} ${state}${failing}${w.reason ? ` (${w.reason})` : ''}; checked ${w.checkedAt ?? '-'}`);
  }
  for (const r of leader.rewinding ?? []) {
    const doing = r.rewinding ? `being rewound by ${r.rewinding.by} since ${r.rewinding.since ?? '-'}` : 'waiting for its store to answer, then `replog rejoin ' + r.replica + '`';
    lines.push(`  ${r.replica} led up to term ${r.lastTerm} and was deposed at ${r.since ?? '-'}: it neither follows nor leads until rewound (${doing})`);
  }
  const history = leader.history ?? [];
  if (history.length > 0) {
    const shown = history.slice(0, HISTORY_SHOWN);
    lines.push(`leadership moves (${shown.length === history.length ? history.length : `last ${shown.length} of ${history.length}`}, newest first)`);
    for (const h of shown) {
      lines.push(`  term ${h.term}  ${h.from} → ${h.to}  ${h.kind}  at ${h.at ?? '-'}  by ${h.by}  write pause ${h.pauseMs} ms  because ${h.reason}`);
    }
  }
  return lines;
}

const unavailableText = (u: { error: string; unavailablePartitions: number[] }) =>
  u.unavailablePartitions.length > 0 ? `partition ${u.unavailablePartitions.join(', ')} offline: ${u.error}` : u.error;

/** The banner of a partial document: what is shown below is only what could be read. */
function partialLines(s: StatusDocument): string[] {
  if (!s.partial || !s.unread || s.unread.length === 0) return [];
  return [
    'PARTIAL: some replication facts could not be read; what depends on them is unknown and not reported healthy',
    ...s.unread.map((u) => `  ${u.read}${u.groupId ? ` of ${u.groupId}` : ''}: ${unavailableText(u)}`),
  ];
}

export function renderStatus(s: StatusDocument): string {
  // Fenced refusals are news only when there are some: the column appears when one is non-zero.
  const fenced = s.followers.some((f) => (f.fencedRefusals ?? 0) > 0);
  const rows = s.followers.map((f) => [
    f.id,
    // A delayed follower shows its intended delay: its lag is by design, not a fault.
    f.delayMs ? `${f.role} ${formatDuration(f.delayMs)}` : f.role,
    f.healthy ? 'healthy' : `UNHEALTHY (${f.healthReason ?? 'unknown'})`,
    consumerCell(f.consumer),
    // Unknown is not 0: a lag that could not be read must not read as caught up.
    f.lag.events === null ? 'unknown' : String(f.lag.events),
    ms(f.applyLagMs?.current),
    `${ms(f.applyLagMs?.last)} / ${ms(f.applyLagMs?.p99)}`,
    ...(fenced ? [String(f.fencedRefusals ?? 0)] : []),
    Object.keys(f.committed).length === 0 && (f.unread?.length ?? 0) > 0 ? 'unknown' : Object.entries(f.committed).map(([p, o]) => `${p}:${o ?? '-'}`).join(' '),
  ]);
  const header = [
    'follower',
    'role',
    'health',
    'consumer',
    'lag (events)',
    'apply lag',
    'last / p99',
    ...(fenced ? ['fenced'] : []),
    'committed (partition:offset)',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const ends = Object.entries(s.topic.endOffsets).map(([p, o]) => `${p}:${o}`).join(' ');
  const c = s.counters;
  return [
    ...(s.leader ? renderLeader(s.leader) : []),
    ...partialLines(s),
    `topic ${s.topic.name}  end offsets ${s.topic.offsetsUnavailable ? `UNKNOWN (${unavailableText(s.topic.offsetsUnavailable)})` : ends}`,
    ...(s.topic.durability === undefined ? [] : [`log durability  ${describeDurability(s.topic.durability)}`]),
    ...(s.topic.durability?.error === null && s.topic.durability.singleCopyRisk ? [`  ${s.topic.durability.singleCopyRisk}`] : []),
    `sync follower ${s.control.syncFollower ?? '(none)'}  revision ${s.control.revision}  promotions ${s.control.promotions}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    ...storeRows(s.localStores),
    ...storeRows(s.localProcesses, 'follower process (every follower consumer and the outbox relay; endpoint: its metrics)'),
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

/** The URL of a route of the replog to ask (see statusBaseUrl), or a usage error naming the bad --url. */
export function replogApiUrl(path: string, option: string | undefined): URL {
  const base = statusBaseUrl(option, process.env, readEndpointFile(loadConfig(process.env).dataDir));
  try {
    return new URL(path, base);
  } catch {
    throw new Error(`--url ${base} is not a URL`);
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show replication status from a running replog (leader and term, topic offsets, followers, lag, counters)')
    .option('--url <url>', 'the replog HTTP API (default: REPLOG_URL, else the replog dev running here, else http://127.0.0.1:$PORT)')
    .option('--json', 'print the raw status document', false)
    .action(async (opts: { url?: string; json: boolean }) => {
      const url = replogApiUrl('/replication/status', opts.url);
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
