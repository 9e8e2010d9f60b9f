import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Instrumentation } from '../core/instrumentation';
import { listenObservations, type MetricName, type Observation, REPLICATION_METRICS } from '../core/replication-metrics';

type Family = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * The replication figures for Prometheus (prom-client), one registry per process runtime: the
 * metric names, help texts, labels and buckets are the catalogue's (core/replication-metrics.ts),
 * fed by the same observations as the status counters and EMF. Durations are observed in ms and
 * shown in seconds, Prometheus's base unit.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly families = new Map<MetricName, Family>();

  constructor(options: { processMetrics?: boolean } = {}) {
    for (const [name, d] of Object.entries(REPLICATION_METRICS) as [MetricName, (typeof REPLICATION_METRICS)[MetricName]][]) {
      const common = { name: d.prometheus, help: d.help, labelNames: [...d.labels], registers: [this.registry] };
      const seconds = d.unit === 'ms';
      const family =
        d.kind === 'counter'
          ? new Counter(common)
          : d.kind === 'gauge'
            ? new Gauge(common)
            : new Histogram({ ...common, buckets: ('buckets' in d ? d.buckets : []).map((b) => (seconds ? b / 1000 : b)) });
      this.families.set(name, family);
    }
    // The process's own figures (CPU, memory, event-loop lag, GC) under their conventional names.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  listen(instrumentation: Pick<Instrumentation, 'on'>): () => void {
    return listenObservations(instrumentation, (observations) => this.record(observations));
  }

  /**
   * One event's observations. A replication snapshot's gauges replace the previous snapshot's
   * whole, so a follower that left the roster stops being reported instead of freezing.
   */
  record(observations: readonly Observation[]): void {
    const replaced = new Set<MetricName>();
    for (const o of observations) {
      const d = REPLICATION_METRICS[o.metric];
      const family = this.families.get(o.metric);
      if (family === undefined) continue;
      const value = d.unit === 'ms' ? o.value / 1000 : o.value;
      const labels = o.labels as Record<string, string>;
      if (family instanceof Gauge) {
        if (!replaced.has(o.metric)) {
          family.reset();
          replaced.add(o.metric);
        }
        family.set(labels, value);
      } else if (family instanceof Counter) family.inc(labels, value);
      else family.observe(labels, value);
    }
  }

  /** The text exposition format, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
