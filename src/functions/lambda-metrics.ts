import { EmfMetrics } from '../observability/emf-metrics';
import type { Runtime } from './runtime';

/**
 * The runtime of a Lambda entry point, with EMF metrics subscribed to its instrumentation stream
 * once, when the configuration says we run inside Lambda (AWS_LAMBDA_FUNCTION_NAME is set). The
 * local runtime never subscribes them and serves the same figures in /replication/status.
 */
export function withLambdaMetrics(rt: () => Runtime): () => Runtime {
  let subscribed: Runtime | undefined;
  return () => {
    const runtime = rt();
    if (subscribed !== runtime) {
      subscribed = runtime;
      const { metrics } = runtime.config;
      if (metrics.emf) new EmfMetrics(metrics.namespace).listen(runtime.instrumentation);
    }
    return runtime;
  };
}
