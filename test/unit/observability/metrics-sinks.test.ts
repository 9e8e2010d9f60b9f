import { Instrumentation } from '../../../src/core/instrumentation';
import { ReplicationCounters } from '../../../src/core/replication-counters';
import { observe, REPLICATION_METRICS } from '../../../src/core/replication-metrics';
import type { ReplicationSnapshot } from '../../../src/core/replication-inspector';
import { UnpublishedWriteError } from '../../../src/core/write-failures';
import { EmfMetrics } from '../../../src/observability/emf-metrics';
import { PrometheusMetrics } from '../../../src/observability/prometheus-metrics';
import { changeEvent } from '../../support/event-fixtures';

function follower(id: string, perPartition: Record<string, number>, currentMs: number, healthy: boolean) {
  return {
    id,
    lag: { events: Object.values(perPartition).reduce((a, b) => a + b, 0), perPartition },
    applyLagMs: { current: currentMs, last: null, p99: null, max: null, samples: 0, windowMs: 0 },
    healthy,
  };
}

const snapshotOf = (...followers: ReturnType<typeof follower>[]) => ({ topicEnd: {}, topicStart: {}, followers, fetchedAt: 0 }) as unknown as ReplicationSnapshot;

/** A line of the exposition format: `name{labels} value`. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('one catalogue of figures, three renderings', () => {
  it('given one stream of events, status counters, EMF lines and Prometheus report the same numbers', async () => {
    const stream = new Instrumentation();
    const counters = new ReplicationCounters();
    counters.listen(stream);
    const prom = new PrometheusMetrics();
    prom.listen(stream);
    const emfLines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      emfLines.push(String(chunk));
      return true;
    });
    try {
      new EmfMetrics('replog-test').listen(stream);
      stream.emit({ type: 'ack.given', mode: 'semi-sync', waitedMs: 12, degraded: false });
      stream.emit({ type: 'ack.given', mode: 'semi-sync', waitedMs: 1800, degraded: true });
      stream.emit({ type: 'ack.given', mode: 'async', waitedMs: 0, degraded: false });
      stream.emit({ type: 'ack.sync-timeout', mode: 'semi-sync' });
      stream.emit({ type: 'ack.promotion', to: 'follower-2' });
      stream.emit({ type: 'ack.failed', mode: 'sync', waitedMs: 2000 });
      stream.emit({ type: 'write.failed', error: new UnpublishedWriteError(changeEvent({ key: 'k', version: 2 }), new Error('broker down')) });
      stream.emit({ type: 'publish.session-ended' });
      stream.emit({ type: 'publish.session-ended' });
      stream.emit({ type: 'publish.backlog-wait', waitedMs: 30 });
      stream.emit({ type: 'publish.backlog-wait', waitedMs: 120 });
      stream.emit({ type: 'follower.batch-applied', batch: { followerId: 'follower-1', records: 7, applied: 6, deadLettered: 1, applyLagMs: 40 } });
      stream.emit({ type: 'replication.observed', snapshot: snapshotOf(follower('follower-1', { '0': 2, '1': 3 }, 250, true)) });
    } finally {
      spy.mockRestore();
    }
    const status = counters.snapshot();
    expect(status).toMatchObject({
      acks: { 'semi-sync': 2, async: 1 },
      degradedAcks: 1,
      syncTimeouts: 1,
      promotions: 1,
      failedAcks: 1,
      publishFailures: 1,
      producerSessionsEnded: 2,
      backlogWaits: { count: 2, maxMs: 120 },
      wait: { count: 3, maxMs: 2000 },
    });

    const { body, contentType } = await prom.exposition();
    expect(contentType).toContain('text/plain');
    expect(sample(body, 'replog_acks_total', '{mode="semi-sync"}')).toBe(status.acks['semi-sync']);
    expect(sample(body, 'replog_acks_total', '{mode="async"}')).toBe(status.acks.async);
    expect(sample(body, 'replog_acks_degraded_total', '{mode="semi-sync"}')).toBe(status.degradedAcks);
    expect(sample(body, 'replog_ack_timeouts_total', '{mode="semi-sync"}')).toBe(status.syncTimeouts);
    expect(sample(body, 'replog_ack_failures_total', '{mode="sync"}')).toBe(status.failedAcks);
    expect(sample(body, 'replog_sync_promotions_total', '{follower="follower-2"}')).toBe(status.promotions);
    expect(sample(body, 'replog_publish_failures_total')).toBe(status.publishFailures);
    expect(sample(body, 'replog_producer_sessions_ended_total')).toBe(status.producerSessionsEnded);
    expect(sample(body, 'replog_publish_backlog_wait_seconds_count')).toBe(status.backlogWaits.count);
    expect(sample(body, 'replog_publish_backlog_wait_seconds_sum')).toBe(0.15);
    // The histogram counts the waits status counts (async writes wait for nothing and are left out), in seconds.
    const waits = (sample(body, 'replog_ack_wait_seconds_count', '{mode="semi-sync"}') ?? 0) + (sample(body, 'replog_ack_wait_seconds_count', '{mode="sync"}') ?? 0);
    expect(waits).toBe(status.wait.count);
    expect(sample(body, 'replog_ack_wait_seconds_sum', '{mode="sync"}')).toBe(2);
    expect(sample(body, 'replog_ack_wait_seconds_bucket', '{le="0.025",mode="semi-sync"}')).toBe(1);
    expect(sample(body, 'replog_records_applied_total', '{follower="follower-1"}')).toBe(6);
    expect(sample(body, 'replog_records_dead_lettered_total', '{follower="follower-1"}')).toBe(1);
    expect(sample(body, 'replog_apply_lag_seconds_sum', '{follower="follower-1"}')).toBe(0.04);
    expect(sample(body, 'replog_replica_lag_events', '{follower="follower-1"}')).toBe(5);
    expect(sample(body, 'replog_replica_partition_lag_events', '{follower="follower-1",partition="1"}')).toBe(3);
    expect(sample(body, 'replog_replica_apply_lag_seconds', '{follower="follower-1"}')).toBe(0.25);
    expect(sample(body, 'replog_replica_healthy', '{follower="follower-1"}')).toBe(1);
    expect(body).toContain('# HELP replog_acks_total Writes acknowledged');
    expect(body).toContain('# TYPE replog_ack_wait_seconds histogram');

    const emf = emfLines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const total = (name: string) => emf.reduce((sum, line) => sum + (typeof line[name] === 'number' ? (line[name] as number) : 0), 0);
    expect(total('Acks')).toBe(3);
    expect(total('AcksDegraded')).toBe(status.degradedAcks);
    expect(total('AckTimeouts')).toBe(status.syncTimeouts);
    expect(total('AcksFailed')).toBe(status.failedAcks);
    expect(total('Promotions')).toBe(status.promotions);
    expect(total('PublishFailures')).toBe(status.publishFailures);
    expect(total('ProducerSessionsEnded')).toBe(status.producerSessionsEnded);
    expect(total('PublishBacklogWaitMs')).toBe(150);
    expect(total('RecordsApplied')).toBe(6);
    expect(total('ReplicaLagEvents')).toBe(5);
    expect(total('ReplicaApplyLagMs')).toBe(250);
  });

  it('replaces a snapshot’s gauges whole: a follower that left the roster is no longer reported', async () => {
    const stream = new Instrumentation();
    const prom = new PrometheusMetrics();
    prom.listen(stream);
    stream.emit({ type: 'replication.observed', snapshot: snapshotOf(follower('f1', { '0': 1 }, 0, true), follower('f2', { '0': 9 }, 900, false)) });
    stream.emit({ type: 'replication.observed', snapshot: snapshotOf(follower('f1', { '0': 0 }, 0, true)) });
    const { body } = await prom.exposition();
    expect(sample(body, 'replog_replica_lag_events', '{follower="f1"}')).toBe(0);
    expect(body).not.toContain('follower="f2"');
  });

  it('names every figure by Prometheus conventions: replog_ prefix, _total counters, seconds for durations', () => {
    for (const d of Object.values(REPLICATION_METRICS)) {
      expect(d.prometheus).toMatch(/^replog_[a-z_]+$/);
      expect(d.prometheus.endsWith('_total')).toBe(d.kind === 'counter');
      if (d.unit === 'ms') expect(d.prometheus).toMatch(/_seconds$/);
    }
  });

  it('counts a write acknowledged once, as its acknowledgement, and ignores failures that are not publish failures', () => {
    expect(observe({ type: 'write.failed', error: new Error('x') as never })).toEqual([]);
    expect(observe({ type: 'ack.given', mode: 'async', waitedMs: 0, degraded: false }).map((o) => o.metric)).toEqual(['acks', 'acksDegraded']);
  });
});
