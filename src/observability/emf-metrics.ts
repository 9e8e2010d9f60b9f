import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Instrumentation } from '../core/instrumentation';
import { EMF_DIMENSIONS, listenObservations, type Observation, REPLICATION_METRICS } from '../core/replication-metrics';

export interface MetricPoint {
  name: string;
  unit: 'Milliseconds' | 'Count';
  value: number;
}

/**
 * Replication metrics as CloudWatch Embedded Metric Format, written by Powertools Metrics. Only the
 * Lambda entry points use this: CloudWatch turns the log lines into metrics there. What is
 * written, and under which name and dimensions, is the catalogue's (core/replication-metrics.ts):
 * the same observations feed the status counters and Prometheus.
 *
 * Each event's observations are published at once, one EMF line per set of dimensions, because a
 * Lambda container may be frozen right after the invocation returns.
 */
export class EmfMetrics {
  constructor(
    private readonly namespace: string,
    private readonly serviceName = 'replog',
  ) {}

  /** Writes EMF lines from the instrumentation stream; returns the function that stops it. */
  listen(instrumentation: Pick<Instrumentation, 'on'>): () => void {
    return listenObservations(instrumentation, (observations) => this.record(observations));
  }

  /** One event's observations, grouped by their dimensions. */
  record(observations: readonly Observation[]): void {
    const lines = new Map<string, { dimensions: Record<string, string>; points: MetricPoint[] }>();
    for (const o of observations) {
      const definition = REPLICATION_METRICS[o.metric];
      if (!('emf' in definition)) continue;
      const dimensions: Record<string, string> = {};
      let expressible = true;
      for (const label of definition.labels) {
        const dimension = EMF_DIMENSIONS[label];
        const value = o.labels[label];
        if (dimension === undefined || value === undefined) expressible = false;
        else dimensions[dimension] = value;
      }
      if (!expressible) continue;
      const key = JSON.stringify(Object.entries(dimensions).sort());
      const line = lines.get(key) ?? { dimensions, points: [] };
      lines.set(key, line);
      line.points.push({ name: definition.emf, unit: definition.unit === 'ms' ? 'Milliseconds' : 'Count', value: o.value });
    }
    for (const { dimensions, points } of lines.values()) this.publish(dimensions, points);
  }

  publish(dimensions: Record<string, string>, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    const metrics = new Metrics({ namespace: this.namespace, serviceName: this.serviceName });
    metrics.addDimensions(dimensions);
    for (const p of points) metrics.addMetric(p.name, MetricUnit[p.unit], p.value);
    metrics.publishStoredMetrics();
  }
}
