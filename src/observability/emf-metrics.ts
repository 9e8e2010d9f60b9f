import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { WriteResult } from '../core/leader-write';
import type { ReplogError } from '../core/errors';
import type { AppliedBatch, Instrumentation } from '../core/instrumentation';
import type { ReplicationSnapshot } from '../core/replication-inspector';
import { ReplicationTimeoutError, UnpublishedWriteError } from '../core/write-failures';

export interface MetricPoint {
  name: string;
  unit: 'Milliseconds' | 'Count';
  value: number;
}

export type { AppliedBatch } from '../core/instrumentation';

/**
 * Replication metrics as CloudWatch Embedded Metric Format, written by Powertools Metrics. Only the
 * Lambda entry points use this: CloudWatch turns the log lines into metrics there. The local
 * runtime reports the same figures through GET /replication/status instead.
 *
 * Each call publishes one EMF line for metrics that share dimensions, at once, because a Lambda
 * container may be frozen right after the invocation returns.
 */
export class EmfMetrics {
  constructor(
    private readonly namespace: string,
    private readonly serviceName = 'replog',
  ) {}

  /** Writes EMF lines from the instrumentation stream; returns the function that stops it. */
  listen(instrumentation: Instrumentation): () => void {
    const off = [
      instrumentation.on('write.acknowledged', (e) => this.writeAcknowledged(e.result)),
      instrumentation.on('write.failed', (e) => this.writeFailed(e.error)),
      instrumentation.on('follower.batch-applied', (e) => this.batchApplied(e.batch)),
      instrumentation.on('replication.observed', (e) => this.replicationObserved(e.snapshot)),
    ];
    return () => {
      for (const stop of off) stop();
    };
  }

  publish(dimensions: Record<string, string>, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    const metrics = new Metrics({ namespace: this.namespace, serviceName: this.serviceName });
    metrics.addDimensions(dimensions);
    for (const p of points) metrics.addMetric(p.name, MetricUnit[p.unit], p.value);
    metrics.publishStoredMetrics();
  }

  writeAcknowledged(result: WriteResult): void {
    this.publish({ AckMode: result.ack.mode }, [
      { name: 'Acks', unit: 'Count', value: 1 },
      { name: 'AckWaitMs', unit: 'Milliseconds', value: result.ack.waitedMs },
      { name: 'AcksDegraded', unit: 'Count', value: result.ack.degraded ? 1 : 0 },
      { name: 'Promotions', unit: 'Count', value: result.ack.promotedTo === undefined ? 0 : 1 },
    ]);
  }

  writeFailed(error: ReplogError): void {
    if (error instanceof ReplicationTimeoutError) {
      this.publish({ AckMode: error.ackMode }, [{ name: 'AckTimeouts', unit: 'Count', value: 1 }]);
    } else if (error instanceof UnpublishedWriteError) {
      this.publish({}, [{ name: 'PublishFailures', unit: 'Count', value: 1 }]);
    }
  }

  batchApplied(batch: AppliedBatch): void {
    this.publish({ FollowerId: batch.followerId }, [
      { name: 'RecordsApplied', unit: 'Count', value: batch.applied },
      { name: 'RecordsDeadLettered', unit: 'Count', value: batch.deadLettered },
      ...(batch.applyLagMs === undefined ? [] : [{ name: 'ApplyLagMs', unit: 'Milliseconds' as const, value: batch.applyLagMs }]),
    ]);
  }

  replicationObserved(snapshot: ReplicationSnapshot): void {
    for (const f of snapshot.followers) {
      this.publish({ FollowerId: f.id }, [
        { name: 'ReplicaLagEvents', unit: 'Count', value: f.lag.events },
        { name: 'ReplicaApplyLagMs', unit: 'Milliseconds', value: f.applyLagMs.current },
        { name: 'ReplicaHealthy', unit: 'Count', value: f.healthy ? 1 : 0 },
      ]);
    }
  }
}
