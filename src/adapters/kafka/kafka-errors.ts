import { KafkaJSError } from 'kafkajs';
import { ReplogError, UnavailableError } from '../../core/errors';

/** kafkajs already says whether an error is retriable; we keep that and hide the library type. */
export function translateKafkaError(error: unknown, operation: string): ReplogError {
  if (error instanceof ReplogError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof KafkaJSError && !error.retriable) {
    // Non-retriable broker answers (authorization, bad topic) are still "the log is unavailable" to a client.
    return new UnavailableError(`Kafka ${operation} failed: ${message}`, { cause: error, retriable: false });
  }
  return new UnavailableError(`Kafka ${operation} failed: ${message}`, { cause: error });
}
