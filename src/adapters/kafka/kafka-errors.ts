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
  const details = { dependency: 'log' };
  if (error instanceof KafkaJSError && !error.retriable) {
    // Non-retriable broker answers (authorization, bad topic) are still "the log is unavailable" to a client.
    return new UnavailableError(`Kafka ${operation} failed: ${message}`, { cause: error, retriable: false, details });
  }
  return new UnavailableError(`Kafka ${operation} failed: ${message}`, { cause: error, details });
}
