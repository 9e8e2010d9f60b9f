import type { OutboxRelayReport } from '../core/outbox-relay';
import type { Log } from '../core/ports';
import { startSerialTimer } from './serial-timer';

export interface RelayTimer {
  stop(): Promise<void>;
}

/**
 * The local stand-in for the scheduled relay Lambda: one pass every interval, never two at once
 * (the next pass is scheduled when the previous one ends), and stop() waits for a running pass.
 */
export function startRelayTimer(run: () => Promise<OutboxRelayReport>, intervalMs: number, log: Log): RelayTimer {
  return startSerialTimer(
    () =>
      run()
        .then((report) => {
          if (report.failed > 0) log.warn('outbox relay run incomplete', { ...report });
          else if (report.republished > 0) log.info('outbox relay republished unpublished writes', { ...report });
        })
        .catch((error: unknown) => log.warn('outbox relay run failed', { error })),
    () => intervalMs,
  );
}
