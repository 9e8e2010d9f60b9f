import type { EventOf, Instrumentation, InstrumentationEvent, InstrumentationType } from './instrumentation';
import { UnpublishedWriteError } from './write-failures';

/**
 * The one definition of every figure replog reports about replication: its kind, its labels, its
 * Prometheus and CloudWatch names, and (in {@link observe}) which instrumentation event moves it
 * by how much. The status counters (replication-counters.ts), EMF in Lambda
 * (observability/emf-metrics.ts) and Prometheus (observability/prometheus-metrics.ts) are three
 * renderings of the same observations, so they can never count a thing differently.
 */
export type MetricKind = 'counter' | 'histogram' | 'gauge';
/** Durations are observed in milliseconds (status and EMF show ms); Prometheus shows seconds, its base unit. */
export type MetricUnit = 'ms' | 'count';
export type MetricLabel = 'mode' | 'follower' | 'partition' | 'outcome';

export interface MetricDefinition {
  kind: MetricKind;
  unit: MetricUnit;
  labels: readonly MetricLabel[];
  /** Prometheus name: `replog_` prefix, base units, `_total` on counters. */
  prometheus: string;
  /** CloudWatch metric name when Lambda writes it as EMF; absent: not written there. */
  emf?: string;
  help: string;
  /** Histogram bucket bounds, in the metric's unit. */
  buckets?: readonly number[];
}

/** CloudWatch dimension per label; a metric with a label that has none is not written as EMF. */
export const EMF_DIMENSIONS: Readonly<Record<MetricLabel, string | undefined>> = {
  mode: 'AckMode',
  follower: 'FollowerId',
  partition: undefined,
  outcome: undefined,
};

const WAIT_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const LAG_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000];

export const REPLICATION_METRICS = {
  acks: {
    kind: 'counter',
    unit: 'count',
    labels: ['mode'],
    prometheus: 'replog_acks_total',
    emf: 'Acks',
    help: 'Writes acknowledged, per acknowledgement mode asked for',
  },
  acksDegraded: {
    kind: 'counter',
    unit: 'count',
    labels: ['mode'],
    prometheus: 'replog_acks_degraded_total',
    emf: 'AcksDegraded',
    help: 'Acknowledgements given as async because no follower could confirm (degrade policy)',
  },
  ackFailures: {
    kind: 'counter',
    unit: 'count',
    labels: ['mode'],
    prometheus: 'replog_ack_failures_total',
    emf: 'AcksFailed',
    help: 'Writes answered 504: committed and in the log, replication not confirmed in time (fail policy)',
  },
  ackTimeouts: {
    kind: 'counter',
    unit: 'count',
    labels: ['mode'],
    prometheus: 'replog_ack_timeouts_total',
    emf: 'AckTimeouts',
    help: 'Times the sync follower or the quorum did not confirm within REPLOG_SYNC_TIMEOUT_MS',
  },
  ackWait: {
    kind: 'histogram',
    unit: 'ms',
    labels: ['mode'],
    prometheus: 'replog_ack_wait_seconds',
    emf: 'AckWaitMs',
    help: 'How long a write waited for its confirmation, acknowledged or refused (async writes that wait for nothing are left out)',
    buckets: WAIT_BUCKETS_MS,
  },
  promotions: {
    kind: 'counter',
    unit: 'count',
    labels: ['follower'],
    prometheus: 'replog_sync_promotions_total',
    emf: 'Promotions',
    help: 'Sync followers this process promoted, per follower promoted',
  },
  publishFailures: {
    kind: 'counter',
    unit: 'count',
    labels: [],
    prometheus: 'replog_publish_failures_total',
    emf: 'PublishFailures',
    help: 'Writes committed on the leader that did not reach the log in time (503; the outbox relay publishes them)',
  },
  orderWait: {
    kind: 'histogram',
    unit: 'ms',
    labels: ['outcome'],
    prometheus: 'replog_publish_order_wait_seconds',
    help: "Waits for another process's publish of a key's previous version (outcome recorded, or lease-ended)",
    buckets: WAIT_BUCKETS_MS,
  },
  backlogWait: {
    kind: 'histogram',
    unit: 'ms',
    labels: [],
    prometheus: 'replog_publish_backlog_wait_seconds',
    emf: 'PublishBacklogWaitMs',
    help: "Waits of writes for room in the publish records' backlog before their commit (REPLOG_PUBLISH_RECORD_BACKLOG): the outbox-mark clears fell behind",
    buckets: WAIT_BUCKETS_MS,
  },
  termCheck: {
    kind: 'histogram',
    unit: 'ms',
    labels: [],
    prometheus: 'replog_term_check_seconds',
    help: "How long checking a published write's leader term took",
    buckets: WAIT_BUCKETS_MS,
  },
  producerSessionsEnded: {
    kind: 'counter',
    unit: 'count',
    labels: [],
    prometheus: 'replog_producer_sessions_ended_total',
    emf: 'ProducerSessionsEnded',
    help: "Change-publisher producer sessions ended by a failed send or connect (each next send starts a new producer id)",
  },
  leadershipReads: {
    kind: 'counter',
    unit: 'count',
    labels: [],
    prometheus: 'replog_leadership_reads_total',
    help: 'Consistent reads of who leads, made for writes',
  },
  recordsApplied: {
    kind: 'counter',
    unit: 'count',
    labels: ['follower'],
    prometheus: 'replog_records_applied_total',
    emf: 'RecordsApplied',
    help: 'Change events a follower wrote into its table (redeliveries and older versions are not counted)',
  },
  recordsDeadLettered: {
    kind: 'counter',
    unit: 'count',
    labels: ['follower'],
    prometheus: 'replog_records_dead_lettered_total',
    emf: 'RecordsDeadLettered',
    help: 'Records a follower sent to the dead-letter topic (poison, or refused by a fence)',
  },
  batchApplyLag: {
    kind: 'histogram',
    unit: 'ms',
    labels: ['follower'],
    prometheus: 'replog_apply_lag_seconds',
    emf: 'ApplyLagMs',
    help: "Per applied batch: from the leader's commit of its oldest event to the follower's apply",
    buckets: LAG_BUCKETS_MS,
  },
  replicaLagEvents: {
    kind: 'gauge',
    unit: 'count',
    labels: ['follower'],
    prometheus: 'replog_replica_lag_events',
    emf: 'ReplicaLagEvents',
    help: "Events in the log past the follower's committed offsets, all partitions",
  },
  replicaPartitionLagEvents: {
    kind: 'gauge',
    unit: 'count',
    labels: ['follower', 'partition'],
    prometheus: 'replog_replica_partition_lag_events',
    help: "Events in the partition past the follower's committed offset",
  },
  replicaApplyLag: {
    kind: 'gauge',
    unit: 'ms',
    labels: ['follower'],
    prometheus: 'replog_replica_apply_lag_seconds',
    emf: 'ReplicaApplyLagMs',
    help: "How long the follower's first unapplied event has waited since its commit (0 when caught up)",
  },
  replicaHealthy: {
    kind: 'gauge',
    unit: 'count',
    labels: ['follower'],
    prometheus: 'replog_replica_healthy',
    emf: 'ReplicaHealthy',
    help: '1 when the follower is healthy (a live consumer, not stalled), else 0',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof REPLICATION_METRICS;

/** One move of one figure: a counter's increment, a histogram's sample, a gauge's new value. */
export interface Observation {
  metric: MetricName;
  labels: Partial<Record<MetricLabel, string>>;
  value: number;
}

const one = (metric: MetricName, labels: Observation['labels'], value: number): Observation => ({ metric, labels, value });

/** The figures an instrumentation event moves. The only place that decides what each event counts as. */
export function observe(event: InstrumentationEvent): Observation[] {
  switch (event.type) {
    case 'ack.given': {
      const out = [one('acks', { mode: event.mode }, 1), one('acksDegraded', { mode: event.mode }, event.degraded ? 1 : 0)];
      // A plain async write waits for nothing: its zero would only dilute the wait figures.
      if (event.mode !== 'async' || event.degraded) out.push(one('ackWait', { mode: event.mode }, event.waitedMs));
      return out;
    }
    case 'ack.failed':
      return [one('ackFailures', { mode: event.mode }, 1), one('ackWait', { mode: event.mode }, event.waitedMs)];
    case 'ack.sync-timeout':
      return [one('ackTimeouts', { mode: event.mode }, 1)];
    case 'ack.promotion':
      return [one('promotions', { follower: event.to }, 1)];
    case 'publish.order-wait':
      return [one('orderWait', { outcome: event.outcome }, event.waitedMs)];
    case 'publish.backlog-wait':
      return [one('backlogWait', {}, event.waitedMs)];
    case 'write.term-checked':
      return [one('termCheck', {}, event.waitedMs)];
    case 'leadership.read':
      return [one('leadershipReads', {}, 1)];
    case 'publish.session-ended':
      return [one('producerSessionsEnded', {}, 1)];
    case 'write.failed':
      return event.error instanceof UnpublishedWriteError ? [one('publishFailures', {}, 1)] : [];
    case 'follower.batch-applied': {
      const { batch } = event;
      const follower = { follower: batch.followerId };
      return [
        one('recordsApplied', follower, batch.applied),
        one('recordsDeadLettered', follower, batch.deadLettered),
        ...(batch.applyLagMs === undefined ? [] : [one('batchApplyLag', follower, batch.applyLagMs)]),
      ];
    }
    case 'replication.observed':
      // A lag that could not be read is left out, not reported as 0: a gap in the series, not a caught-up follower.
      return event.snapshot.followers.flatMap((f) => [
        ...(f.lag.events === null ? [] : [one('replicaLagEvents', { follower: f.id }, f.lag.events)]),
        ...Object.entries(f.lag.perPartition).map(([partition, events]) => one('replicaPartitionLagEvents', { follower: f.id, partition }, events)),
        ...(f.applyLagMs.current === null ? [] : [one('replicaApplyLag', { follower: f.id }, f.applyLagMs.current)]),
        one('replicaHealthy', { follower: f.id }, f.healthy ? 1 : 0),
      ]);
    case 'write.acknowledged':
      // Counted as the acknowledger's ack.given; the write log line listens to this one.
      return [];
  }
}

const OBSERVED: readonly InstrumentationType[] = [
  'ack.given',
  'ack.failed',
  'ack.sync-timeout',
  'ack.promotion',
  'publish.order-wait',
  'publish.backlog-wait',
  'write.term-checked',
  'leadership.read',
  'publish.session-ended',
  'write.failed',
  'follower.batch-applied',
  'replication.observed',
];

/**
 * Hands a sink the observations of every event, one event's observations together (EMF writes
 * them as one line; Prometheus replaces a snapshot's gauges at once). Returns the unsubscribe.
 */
export function listenObservations(
  instrumentation: Pick<Instrumentation, 'on'>,
  sink: (observations: readonly Observation[], event: InstrumentationEvent) => void,
): () => void {
  const off = OBSERVED.map((type) =>
    instrumentation.on(type, (event: EventOf<typeof type>) => {
      const observations = observe(event);
      if (observations.length > 0) sink(observations, event);
    }),
  );
  return () => {
    for (const stop of off) stop();
  };
}
