import type { ReplogError } from '../core/errors';
import type { WriteResult } from '../core/leader-write';
import type { ReplicationSnapshot } from '../core/replication-inspector';
import { type AppliedBatch, EmfMetrics } from '../observability/emf-metrics';
import type { WriteObserver } from './http/write-item-route';
import type { Runtime } from './runtime';

/**
 * The observers the Lambda entry points attach to their handlers. EMF lines are written only when
 * the configuration says we run inside Lambda (AWS_LAMBDA_FUNCTION_NAME is set); the local runtime
 * builds its handlers without these observers and serves the same figures in /replication/status.
 */
export function lambdaMetrics(rt: () => Runtime) {
  let emf: EmfMetrics | null | undefined;
  const sink = (): EmfMetrics | null => {
    if (emf === undefined) {
      const { metrics } = rt().config;
      emf = metrics.emf ? new EmfMetrics(metrics.namespace) : null;
    }
    return emf;
  };
  const writes: WriteObserver = {
    writeAcknowledged: (result: WriteResult) => sink()?.writeAcknowledged(result),
    writeFailed: (error: ReplogError) => sink()?.writeFailed(error),
  };
  return {
    writes,
    batchApplied: (batch: AppliedBatch) => sink()?.batchApplied(batch),
    replicationObserved: (snapshot: ReplicationSnapshot) => sink()?.replicationObserved(snapshot),
  };
}
