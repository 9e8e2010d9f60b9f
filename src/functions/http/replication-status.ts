import type { ReplicationStatus } from '../../api/status-schemas';
import type { Config } from '../../config/config';
import type { ControlState } from '../../core/control-state';
import { withDeadline } from '../../core/deadline';
import type { Instrumentation } from '../../core/instrumentation';
import type { Log, WatchReportStore } from '../../core/ports';
import type { WatchReport } from '../../core/leader-watch';
import type { ReplicationCounters } from '../../core/replication-counters';
import { DEGRADED_READ_TIMEOUT_MS, type ReplicationSources, readReplication } from '../../core/replication-inspector';
import type { ReplicationViewCache } from '../../core/replication-view-cache';
import type { SyncRoster } from '../../core/sync-roster';
import { type DurabilityReport, type DurabilityUnknown, durabilityReport, type TopicHealth } from '../../core/topic-durability';
import { withLambdaMetrics } from '../lambda-metrics';
import { defaultRuntime } from '../runtime';
import { requireAccess } from './api-key';
import { json, withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What the status document is made of: the control state, the replication view, the counters and the settings it shows. */
export interface StatusDeps {
  config: Pick<Config, 'auth' | 'tables' | 'topic' | 'ack' | 'stallMs'>;
  startedAt: number;
  roster: Pick<SyncRoster, 'refresh'>;
  replicationSources: ReplicationSources;
  views: Pick<ReplicationViewCache, 'offer'>;
  counters: Pick<ReplicationCounters, 'snapshot'>;
  watchReports: Pick<WatchReportStore, 'load'>;
  instrumentation: Pick<Instrumentation, 'emit'>;
  log: (namespace: string) => Log;
  /** The replication topic's copies, min ISR and partition health (the Kafka admin API). */
  topicHealth?: () => Promise<TopicHealth>;
}

/** How long status waits for the topic's description: brokers down must not stall the whole document. */
const DURABILITY_TIMEOUT_MS = 3000;

/**
 * The topic's durability for status: copies, min ISR, under-replicated / below-min-ISR / offline
 * partitions and a single-copy risk. A failure to read it is shown, not fatal: status must answer
 * while brokers are down, which is when this matters most.
 */
export async function durabilitySection(rt: Pick<StatusDeps, 'topicHealth' | 'log' | 'config'>): Promise<DurabilityReport | DurabilityUnknown | null> {
  if (!rt.topicHealth) return null;
  try {
    return durabilityReport(await withDeadline(rt.topicHealth(), DURABILITY_TIMEOUT_MS, `the topic was not described within ${DURABILITY_TIMEOUT_MS} ms`));
  } catch (error) {
    rt.log('status').warn('the replication topic could not be described; status shows no durability', { topic: rt.config.topic, error });
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The status document shared by GET /replication/status, `replog status` and the dashboard. */
export async function replicationStatus(rt: StatusDeps) {
  const startedAt = Date.now();
  const state = await rt.roster.refresh();
  const [snapshot, watch, durability] = await Promise.all([
    // Degrades instead of failing: a read that fails leaves its part unknown (`unread`), the rest answers.
    readReplication(rt.replicationSources, state, { timeoutMs: DEGRADED_READ_TIMEOUT_MS }),
    rt.watchReports.load().catch((error: unknown) => {
      rt.log('status').warn('the watchdog report could not be read; status shows none', { error });
      return undefined;
    }),
    durabilitySection(rt),
  ]);
  // The read path chooses replicas from this view too: what status just reported is what reads obey.
  // A partial view is safe there: a follower judged on facts not all read is never healthy.
  rt.views.offer(snapshot, startedAt);
  rt.instrumentation.emit({ type: 'replication.observed', snapshot });
  const endsUnread = snapshot.unread.find((u) => u.read === 'endOffsets');
  return {
    leader: leaderSection(state, rt.config.tables, rt.config.topic, rt.startedAt, watch),
    control: {
      revision: state.revision,
      syncFollower: state.syncFollower,
      promotions: state.promotions,
      history: state.history.map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
    },
    policy: {
      defaultMode: rt.config.ack.defaultMode.kind === 'quorum' ? `quorum:${rt.config.ack.defaultMode.k}` : rt.config.ack.defaultMode.kind,
      syncTimeoutMs: rt.config.ack.syncTimeoutMs,
      onSyncTimeout: rt.config.ack.onSyncTimeout,
      onNoCandidate: rt.config.ack.onNoCandidate,
      stallMs: rt.config.stallMs,
    },
    topic: {
      name: rt.config.topic,
      endOffsets: snapshot.topicEnd,
      startOffsets: snapshot.topicStart,
      offsetsUnavailable: endsUnread === undefined ? null : { error: endsUnread.error, unavailablePartitions: endsUnread.unavailablePartitions },
      durability: durability === null ? null : { ...durability },
    },
    followers: snapshot.followers.map((f) => ({
      ...f,
      consumer: f.consumer === null ? null : { ...f.consumer },
      lastAppliedAt: iso(f.lastAppliedAt),
      lastProgressAt: iso(f.lastProgressAt),
    })),
    counters: { ...rt.counters.snapshot() },
    partial: snapshot.unread.length > 0,
    unread: snapshot.unread.map((u) => ({ ...u, unavailablePartitions: [...u.unavailablePartitions] })),
    fetchedAt: new Date(snapshot.fetchedAt).toISOString(),
  } satisfies ReplicationStatus;
}

/**
 * Who leads, under which term, whether leadership is moving, each term's start and fence, and
 * the moves with who/when/why. `table`/`topic`/`startedAt` are what the first status had.
 */
function leaderSection(state: ControlState, tables: Config['tables'], topic: string, processStartedAt: number, watch: WatchReport | undefined) {
  const { leadership } = state;
  const t = leadership.transition;
  return {
    replica: leadership.replica,
    term: leadership.term,
    state: leadership.state,
    since: iso(leadership.since),
    table: tables.replica(leadership.replica),
    topic,
    startedAt: new Date(processStartedAt).toISOString(),
    transition:
      t === undefined
        ? null
        : { kind: t.kind, from: t.from, to: t.to, term: t.term, requestedAt: iso(t.requestedAt), by: t.by, reason: t.reason, fence: t.fence ?? null },
    terms: state.terms.map((s) => ({ term: s.term, leader: s.leader, startedAt: iso(s.startedAt), fence: s.fence })),
    history: state.leaderHistory.map((h) => ({ ...h, at: iso(h.at) })),
    /** Deposed leaders that neither follow nor lead until rewound (`replog rejoin`). */
    rewinding: state.rewinding.map((r) => ({ replica: r.replica, lastTerm: r.term, since: iso(r.since), rewinding: r.claim === undefined ? null : { by: r.claim.by, since: iso(r.claim.at) } })),
    /** What the leader's watchdog last concluded (null: no watchdog has reported). */
    watch: watch === undefined ? null : { ...watch, failingSince: iso(watch.failingSince), checkedAt: iso(watch.checkedAt) },
  };
}

export const createReplicationStatusHandler = (rt: () => StatusDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'GET /replication/status', async (event) => {
    requireAccess(event, rt().config.auth, 'read');
    return json(200, await replicationStatus(rt()), { 'cache-control': 'no-store' });
  });

export const handler = createReplicationStatusHandler(withLambdaMetrics(defaultRuntime));
