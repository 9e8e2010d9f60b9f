import type { ChangeEvent } from '../core/change-event';
import type { Log } from '../core/ports';

/**
 * Testing aid for the fault suite (REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY): with the given
 * probability the leader process SIGKILLs itself right after the DynamoDB commit and before the
 * Kafka produce, the exact window the outbox relay exists for. SIGKILL, not an exception, so no
 * finally block, shutdown hook or flush can hide the crash. Off (undefined) unless configured.
 */
export function crashAfterCommit(probability: number, log: Log): ((event: ChangeEvent) => void) | undefined {
  if (probability <= 0) return undefined;
  return (event) => {
    if (Math.random() >= probability) return;
    log.warn('fault injection: SIGKILL between commit and publish', { key: event.key, version: event.version });
    process.kill(process.pid, 'SIGKILL');
  };
}
