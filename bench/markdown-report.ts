import type { LatencySummary } from './latency-histogram';
import { round } from './latency-histogram';
import type { LeaderFailoverResult, Spread } from './leader-failover-summary';
import type { LogClusterResult } from './log-cluster';
import type { BenchResults } from './results-document';

const table = (header: string[], rows: Array<Array<string | number>>): string =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const lat = (s: LatencySummary) => [s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs, s.count];

const spread = (s: Spread | undefined, unit = '') => (s === undefined ? '-' : `${s.p50}${unit} / ${s.max}${unit}`);

function logClusterReport(c: LogClusterResult): string[] {
  const one = c.cells.find((x) => x.brokers === 1);
  const rows: Array<Array<string | number>> = [];
  for (const cell of c.cells) {
    rows.push([cell.brokers, cell.durability, 'raw produce (acks=all)', ...lat(cell.produce), '-', '-']);
    for (const w of cell.writes) {
      const base = one?.writes.find((x) => x.mode === w.mode && x.concurrency === w.concurrency);
      const ratio = cell.brokers !== 1 && base ? `${round(w.latency.p50Ms / base.latency.p50Ms)}×` : '-';
      rows.push([cell.brokers, cell.durability, `${w.mode} write × ${w.concurrency}`, ...lat(w.latency), w.throughputPerSec, ratio]);
    }
  }
  return [
    `**The price of a durable log** (the same replog against the 1-broker log and a local 3-broker KRaft cluster with three controllers, both up for the whole section and taking turns; the cluster ${c.cluster.startedHere ? `started in ${c.cluster.startMs} ms` : 'was already running'} on ports from ${c.cluster.port})`,
    '',
    table(['brokers', 'replication topic', 'what', 'p50 (ms)', 'p95', 'p99', 'max', 'n', 'writes/s', 'p50 vs 1 broker'], rows),
  ];
}

function leaderFailoverReport(f: LeaderFailoverResult): string[] {
  const out = [
    `**Leader failover** (unplanned: the leader's store process SIGKILLed under load from ${f.clients} clients over ${f.keys} keys; a dynalite process per replica and for the control state, ` +
      `\`replog serve\` and a \`replog follower\` per replica, every watchdog at its defaults, REPLOG_LEADER_FAILURE_MS=${f.leaderFailureMs}` +
      (f.runs.some((r) => r.mode === 'async-backlog') ? `; async-backlog: async writes with both follower processes paused (SIGSTOP) for ${f.backlogMs} ms before the kill and continued at it)` : ')'),
    '',
    table(
      [
        'mode',
        'runs',
        'failed over',
        'kill → first 200 from the new leader, p50 / max (ms)',
        'acknowledged writes lost',
        'records behind at the kill, per follower, p50 / max',
        'kill → that applied, per follower, p50 / max (ms)',
        'behind the log end when elected, p50 / max',
        'records behind the fence, p50 / max',
        'fence → applied, p50 / max (ms)',
        'ticks with nobody eligible',
      ],
      f.summary.map((m) => [
        m.mode,
        m.runs,
        m.failedOver,
        spread(m.killToFirstNewLeader200Ms),
        m.lost,
        Object.entries(m.behindAtKill).map(([id, s]) => `${id} ${spread(s)}`).join('; ') || '-',
        Object.entries(m.caughtUpAfterKillMs).map(([id, s]) => `${id} ${spread(s)}`).join('; ') || '-',
        spread(m.behindLogEndAtElection),
        spread(m.behindFence),
        spread(m.fenceToAppliedMs),
        m.blockedTicks,
      ]),
    ),
    '',
    'Each run:',
    '',
    table(
      ['#', 'mode', 'new leader', 'term', 'kill → first 200 (ms)', 'failover pause (ms)', 'behind at the kill (applied after, ms)', 'behind fence', 'fence → applied (ms)', 'writes acked', 'refused (before the kill)', 'keys checked', 'lost'],
      f.runs.map((run, i) => [
        i + 1,
        run.mode,
        run.newLeader ?? '-',
        run.term ?? '-',
        run.killToFirstNewLeader200Ms ?? (run.note ? `not reached (${run.note})` : '-'),
        run.failoverPauseMs ?? '-',
        Object.entries(run.behindAtKill).map(([id, n]) => `${id} ${n} (${run.caughtUpAfterKillMs[id] ?? 'not caught up'})`).join(', ') || '-',
        run.catchUp?.behindFence ?? '-',
        run.catchUp?.fenceToAppliedMs ?? '-',
        run.writesAcked,
        `${run.refused} (${run.refusedBeforeKill})`,
        run.keysChecked,
        run.lost,
      ]),
    ),
  ];
  const l = f.losslessReads;
  if (l) {
    out.push(
      '',
      `**Lossless reads' cost** (leader reads, ${l.readersPerSide} readers with \`?lossless=false\` and ${l.readersPerSide} with \`?lossless=true\` at the same time, under the semi-sync writes of the runs above, ${l.measureMs} ms in all; ms)`,
      '',
      table(
        ['lossless', 'p50', 'p95', 'p99', 'max', 'n', 'reads/s', 'refused (503)'],
        [
          ['off', ...lat(l.off.latency), l.off.readsPerSec, l.off.refused],
          ['on', ...lat(l.on.latency), l.on.readsPerSec, l.on.refused],
        ],
      ),
      '',
      `On / off: p50 **${l.p50Ratio}×**, p99 **${l.p99Ratio}×**.`,
    );
  }
  return out;
}

/** The results as markdown: what docs/BENCHMARKS.md shows and what `replog bench` prints. */
export function markdownReport(r: BenchResults): string {
  const m = r.machine;
  const parts: string[] = [];
  parts.push(
    `### replog bench — ${r.quick ? 'quick run' : 'full run'}, ${r.startedAt}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}. ` +
      `Load average at start ${m.loadAverage.join(' / ')}, at end ${m.loadAverageAfter.join(' / ')} (1/5/15 min). ` +
      `Store: ${r.setup.store}; Kafka: ${r.setup.kafka}; followers ${r.setup.followers.join(', ')}; ` +
      `REPLOG_ACK_POLL_MS=${r.setup.ackPollMs}; ${r.setup.partitions} partitions; run took ${r.durationSec} s.`,
  );
  if (r.floor) {
    const f = r.floor;
    parts.push(
      '',
      `**Physical floor** (raw operations, ${f.samples} samples each, ms)`,
      '',
      table(
        ['operation', 'p50', 'p95', 'p99', 'max', 'n'],
        [
          ['DynamoDB conditional UpdateItem (leader commit)', ...lat(f.conditionalWrite)],
          ['Kafka produce, acks=all', ...lat(f.produce)],
          ['follower cycle: fetch → conditional put → commit', ...lat(f.followerCycle)],
          ['committed-offset fetch (one group)', ...lat(f.offsetFetch)],
        ],
      ),
      '',
      `Follower cycle p50 parts after the produce ack: delivered ${f.followerCycleParts.deliveredP50Ms} ms, applied ${f.followerCycleParts.appliedP50Ms} ms, committed ${f.followerCycleParts.committedP50Ms} ms.`,
      `Async floor = write + produce = **${f.asyncFloorP50Ms} ms**; semi-sync floor = write + produce + follower cycle = **${f.semiSyncFloorP50Ms} ms** (sums of p50s).`,
    );
    if (r.floorAfter) {
      parts.push(
        `Measured again after the write-latency cells (${r.floorAfter.samples} samples): async floor ${r.floorAfter.asyncFloorP50Ms} ms, semi-sync floor ${r.floorAfter.semiSyncFloorP50Ms} ms — the drift of the machine during the run.`,
      );
    }
  }
  if (r.writes && r.writes.length > 0) {
    parts.push(
      '',
      '**Write latency through the HTTP API** (ms; closed loop; writes/s = acknowledged writes per second)',
      '',
      table(
        ['mode', 'clients', 'p50', 'p95', 'p99', 'max', 'n', 'writes/s', 'degraded', 'failed'],
        r.writes.map((w) => [w.mode, w.concurrency, ...lat(w.latency), w.throughputPerSec, w.degraded, w.failed]),
      ),
    );
  }
  const staged = (r.writes ?? []).filter((w) => w.stages);
  if (staged.length > 0) {
    // `backlog` only runs when the publish records fell behind: a column of its own only if any write waited there.
    const names = ['leader', 'backlog', 'commit', 'publish', 'term', 'wait', 'total', 'outside'].filter((n) => n !== 'backlog' || staged.some((w) => w.stages?.backlog));
    const cell = (w: (typeof staged)[number], n: string) => {
      const s = w.stages?.[n];
      return s === undefined ? '-' : `${s.p50Ms} / ${s.p99Ms}`;
    };
    parts.push(
      '',
      '**Where a write\'s time goes** (ms, p50 / p99 of each stage over the acknowledged writes, from the Server-Timing header; outside = client latency − server total: HTTP and queueing)',
      '',
      table(['mode', 'clients', ...names], staged.map((w) => [w.mode, w.concurrency, ...names.map((n) => cell(w, n))])),
    );
  }
  if (r.capacity) {
    const c = r.capacity;
    parts.push(
      '',
      `**Throughput against the store's capacity** (raw conditional writes at ${c.inFlight} in flight against the same store: **${c.rawConditionalWritesPerSec}/s**${c.failed ? `, ${c.failed} failed and left out` : ''}; ` +
        'capacity = that / the store requests one replicated write cost, every replica included)',
      '',
      table(
        ['mode', 'store requests per write', 'capacity (writes/s)', `measured at ${c.inFlight} clients (writes/s)`, 'measured / capacity'],
        c.perMode.map((m) => [m.mode, m.storeRequestsPerWrite, m.capacityPerSec, m.throughputPerSec, `${m.ratio}×`]),
      ),
    );
  }
  const costed = (r.writes ?? []).filter((w) => w.costPerWrite);
  if (costed.length > 0) {
    parts.push(
      '',
      '**Cost per write** (averages over the cell, replication to all followers included: CPU of the benchmark process (leader and load generator) and its follower process (followers and relay), and of the store process, and store requests by operation)',
      '',
      table(
        ['mode', 'clients', 'process CPU ms', 'store CPU ms', 'store requests'],
        costed.map((w) => {
          const c = w.costPerWrite as NonNullable<typeof w.costPerWrite>;
          const ops = Object.entries(c.storeRequests)
            .sort((a, b) => b[1] - a[1])
            .map(([op, n]) => `${op} ${n}`)
            .join(', ');
          return [w.mode, w.concurrency, c.processCpuMs, c.storeCpuMs, ops];
        }),
      ),
    );
  }
  if (r.ratios && r.ratios.length > 0) {
    parts.push(
      '',
      '**Ratios** (p50)',
      '',
      table(
        ['clients', 'semi-sync / async', 'semi-sync / semi-sync floor', 'async / async floor'],
        r.ratios.map((x) => [x.concurrency, x.semiSyncOverAsyncP50, x.semiSyncOverFloorP50 ?? '-', x.asyncOverFloorP50 ?? '-']),
      ),
    );
  }
  for (const a of [r.applyLag, r.applyLagLight]) {
    if (!a) continue;
    parts.push(
      '',
      `**Apply lag** (leader commit → follower apply) at ${a.offeredPerSec} writes/s offered${a === r.applyLag && r.plan.lag.rateFrom ? `, ${r.plan.lag.rateFrom}` : ''} (achieved ${a.achievedPerSec}/s, ${a.writes} writes, ack=${a.ack}, ${a.failed} failed, ${a.notSent} not sent)`,
      '',
      table(
        ['follower', 'p50 ms', 'p99 ms', 'max ms', 'n'],
        [
          ...Object.entries(a.perFollower).map(([id, s]) => [id, s.p50Ms, s.p99Ms, s.maxMs, s.count]),
          ['all', a.lag.p50Ms, a.lag.p99Ms, a.lag.maxMs, a.lag.count],
        ],
      ),
      '',
      `Write latency meanwhile: p50 ${a.writeLatency.p50Ms} ms, p99 ${a.writeLatency.p99Ms} ms.`,
    );
  }
  if (r.outbox) {
    const o = r.outbox;
    const ms = (v: number | undefined) => (v === undefined ? `not within the wait` : `${v} ms`);
    parts.push(
      '',
      `**Outbox after a burst**: ${o.writes} async writes, a fresh key each, ${o.clients} clients, ${o.burstSec} s (${o.writesPerSec} writes/s; ${o.acknowledged} acknowledged, ${o.unpublished} answered 503 committed-unpublished, ${o.failed} failed; write p50 ${o.writeLatency.p50Ms} ms, p99 ${o.writeLatency.p99Ms} ms)`,
      '',
      table(
        ['marks at most during the burst', 'marks at its end', `under ${o.underMarks} after`, 'none left after', 'log records', 'republishes (records beyond one per committed write)'],
        [[o.marksPeak, o.marksAtEnd, ms(o.msToUnder), ms(o.msToZero), o.logRecords, o.republishes]],
      ),
      '',
      `Records counted ${o.relayWaitMs} ms after ${o.msToZero === undefined ? `the ${o.afterWaitMs / 1000} s wait for the marks ended` : 'the marks were gone'}, and at least the relay's grace and two of its intervals after the burst's end, so any mark it took over was republished by then.`,
    );
  }
  for (const c of [r.catchUp, r.catchUpLarge]) {
    if (!c) continue;
    parts.push(
      '',
      `**Catch-up**: ${c.events} events (${c.keys} keys) replayed into an empty follower`,
      '',
      table(
        ['what', 'seconds', 'per second'],
        [
          ['replog replay (`replay --rebuild`, end to end)', c.replay.seconds, `${c.replay.eventsPerSec} events/s`],
          [`raw BatchWriteItem, same items, same store (${c.rawBatchWrite.concurrency} in flight; half before the replay, half after)`, c.rawBatchWrite.seconds, `${c.rawBatchWrite.itemsPerSec} items/s`],
          ...(c.copy ? [[`tuned copy of a table holding them: parallel Scan (${c.copy.segments} segments) + BatchWriteItem (${c.copy.inFlight} in flight)`, c.copy.seconds, `${c.copy.itemsPerSec} items/s`]] : []),
        ],
      ),
      '',
      `Replay / raw bulk write: **${c.ratio}×**.` +
        (c.replay.phasesMs ? ` The replay's phases (ms): ${Object.entries(c.replay.phasesMs).map(([phase, ms]) => `${phase} ${Math.round(ms)}`).join(', ')}.` : '') +
        (c.replayOverCopy === undefined ? '' : ` Replay against the tuned copy, end to end: **${c.replayOverCopy}×** (copy seconds / replay seconds).`),
    );
  }
  if (r.verify) {
    const v = r.verify;
    parts.push(
      '',
      `**Verify** (a live follower, ${v.keys} keys, ${v.tampered} of them tampered): reported ${v.reported} differences in **${v.verifySeconds} s**, ` +
        `its two scans ${v.scansSeconds} s: **${v.ratio}×** the scans` + (v.getItems === undefined ? '.' : `, ${v.getItems} GetItem requests.`),
    );
  }
  if (r.failover) {
    const f = r.failover;
    parts.push(
      '',
      `**Failover** (real processes; REPLOG_SYNC_TIMEOUT_MS=${f.syncTimeoutMs}): SIGKILL of ${f.killed} (the sync follower) → first write acknowledged by ${f.replacement ?? '(none)'}: ` +
        `**${f.failoverMs === undefined ? 'not reached' : `${f.failoverMs} ms`}**; slowest write ${f.slowestWriteMs} ms; during the failover ${f.writesDuring} writes, ${f.degradedDuring} degraded, ${f.failedDuring} failed.` +
        (f.note ? ` ${f.note}` : ''),
    );
  }
  if (r.leaderFailover) parts.push('', ...leaderFailoverReport(r.leaderFailover));
  if (r.switchover) {
    const s = r.switchover;
    parts.push(
      '',
      `**Switchover** (real processes, a store per replica, semi-sync load from ${s.clients} clients): ${s.switchovers} planned switchovers, write pause p50 **${s.pauseMs.p50} ms**, max ${s.pauseMs.max} ms ` +
        `(each: ${s.pauseMs.each.join(', ')}; slowest client write per move: ${s.clientSlowestWriteMs.join(', ')} ms); ${s.writesAcked} writes acknowledged, ${s.refused} refused, ` +
        `**${s.lost} lost** over ${s.keysChecked} keys. Term check per write under steady load: ${s.termCheck.meanMs} ms mean, ${s.termCheck.controlReadsPerWrite} control reads per write ` +
        `(${s.termCheck.writes} writes, write p50 ${s.termCheck.steadyWriteP50Ms} ms).`,
    );
  }
  if (r.logCluster) parts.push('', ...logClusterReport(r.logCluster));
  if (r.failures) {
    parts.push('', '**Failed sections**', '', ...Object.entries(r.failures).map(([name, message]) => `- ${name}: ${message}`));
  }
  parts.push(
    '',
    '**Targets**',
    ...(r.quick ? ['', '_A quick run checks the machinery; its windows are too short to judge these targets (a closed-loop cell shorter than its latency completes almost nothing)._'] : []),
    '',
    table(
      ['target', 'goal', 'measured', 'met'],
      r.targets.map((t) => [t.name, t.goal, t.actual, t.met === undefined ? '-' : t.met ? 'yes' : '**no**']),
    ),
  );
  return `${parts.join('\n')}\n`;
}
