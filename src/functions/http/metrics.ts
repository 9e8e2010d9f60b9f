import type { Config } from '../../config/config';
import { ReplogError } from '../../core/errors';
import type { Instrumentation } from '../../core/instrumentation';
import type { Log } from '../../core/ports';
import type { ReplicationViewCache } from '../../core/replication-view-cache';
import type { PrometheusMetrics } from '../../observability/prometheus-metrics';
import { requireAccess } from './api-key';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';

export interface MetricsDeps {
  config: Pick<Config, 'auth'>;
  prometheus: PrometheusMetrics | undefined;
  views: Pick<ReplicationViewCache, 'current'>;
  instrumentation: Pick<Instrumentation, 'emit'>;
  log: (namespace: string) => Log;
}

/**
 * GET /metrics, Prometheus's text format, for the processes that serve HTTP locally. Not a Lambda
 * route: each container would report only its own few invocations, and EMF already carries the
 * same figures there. Before rendering, the replication view (the read path's, reused within
 * REPLOG_READ_VIEW_TTL_MS) goes through the instrumentation stream, so the lag gauges are as
 * fresh as status; when the broker or the store cannot be read, the counters are served with
 * the last gauges and the failure is logged.
 */
export const createMetricsHandler = (rt: () => MetricsDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'GET /metrics', async (event) => {
    const deps = rt();
    requireAccess(event, deps.config.auth, 'read');
    if (deps.prometheus === undefined) {
      throw new ReplogError('NOT_FOUND', 404, 'Prometheus metrics are off inside Lambda, where EMF reports the same figures');
    }
    try {
      deps.instrumentation.emit({ type: 'replication.observed', snapshot: await deps.views.current() });
    } catch (error) {
      deps.log('metrics').warn('replication view not read for /metrics; the lag gauges are the last ones read', { error });
    }
    const { contentType, body } = await deps.prometheus.exposition();
    return { statusCode: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
  });
