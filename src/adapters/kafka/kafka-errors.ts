import { KafkaJSError } from 'kafkajs';
import { InternalError, programmingErrorIn, ReplogError, UnavailableError } from '../../core/errors';

/**
 * kafkajs already says whether an error is retriable; we keep that and hide the library type. The
 * message is for operators (logs, CLI); HTTP answers show only the code and `details` (http-edge.ts).
 */
export function translateKafkaError(error: unknown, operation: string): ReplogError {
  if (error instanceof ReplogError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const bug = programmingErrorIn(error);
  if (bug && !(error instanceof KafkaJSError)) {
    return new InternalError(`Kafka ${operation} failed in replog's own code: ${bug.message}`, { cause: error });
  }
  const shortOfReplicas = notEnoughReplicasIn(error);
  if (shortOfReplicas) {
    // The leader refused (or could not fully replicate) because its ISR is below
    // min.insync.replicas: brokers are down. Retriable once they are back; clients see the reason.
    return new UnavailableError(
      `Kafka ${operation} failed: ${shortOfReplicas}: fewer in-sync replicas than min.insync.replicas, so the log cannot hold the write on enough brokers (${message})`,
      { cause: error, retriable: true, details: { dependency: 'log', reason: shortOfReplicas } },
    );
  }
  const details = { dependency: 'log' };
  if (error instanceof KafkaJSError && !error.retriable) {
    // Non-retriable broker answers (authorization, bad topic) are still "the log is unavailable" to a client.
    return new UnavailableError(`Kafka ${operation} failed: ${message}`, { cause: error, retriable: false, details });
  }
  return new UnavailableError(`Kafka ${operation} failed: ${message}`, { cause: error, details });
}

const REPLICA_SHORTAGE = new Set(['NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND']);

/** NOT_ENOUGH_REPLICAS(_AFTER_APPEND) anywhere in kafkajs's wrapping (retries exceeded, aggregate errors). */
export function notEnoughReplicasIn(error: unknown, depth = 0): string | undefined {
  if (depth > 8 || typeof error !== 'object' || error === null) return undefined;
  const e = error as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (typeof e.type === 'string' && REPLICA_SHORTAGE.has(e.type)) return e.type;
  for (const next of [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = notEnoughReplicasIn(next, depth + 1);
    if (found) return found;
  }
  return undefined;
}
