import { type ControlState, REWIND_CLAIM_MS } from '../core/control-state';
import type { ProbeResult, WatchReport } from '../core/leader-watch';
import type { Log } from '../core/ports';
import type { LeaderWatchdog } from '../functions/leader-watchdog';
import type { RejoinReport } from '../functions/rejoin';
import { startSerialTimer } from './serial-timer';

export interface WatchdogTimer {
  stop(): Promise<void>;
}

export interface WatchdogTimerOptions {
  watchdog: LeaderWatchdog;
  probeMs: number;
  /** Rewinds a deposed leader whose store answers again (REPLOG_AUTO_REJOIN); absent: only `replog rejoin` does. */
  rejoin?: {
    load: () => Promise<ControlState | undefined>;
    probe: (replica: string) => Promise<ProbeResult>;
    run: (replica: string) => Promise<RejoinReport>;
    onRejoined: (report: RejoinReport) => void;
  };
  onReport?: (report: WatchReport) => void;
  log: Log;
}

const MAX_BACKOFF_MS = 5000;

/**
 * The local stand-in for the scheduled watchdog Lambda: a tick every REPLOG_LEADER_PROBE_MS, never
 * two at once; a tick that fails (the control store is down) is retried with backoff and logged
 * when the failing starts and when it ends, not on every try. stop() waits for a running tick.
 */
export function startWatchdogTimer(options: WatchdogTimerOptions): WatchdogTimer {
  const { log } = options;
  let failures = 0;
  const rejoinNotBefore = new Map<string, { at: number; failures: number }>();

  const tick = async () => {
    try {
      const report = await options.watchdog.tick();
      options.onReport?.(report);
      if (options.rejoin && report.state === 'healthy') await rejoinWhereBack(options.rejoin);
      if (failures > 0) log.info('the watchdog sees the control state again', { failedTicks: failures });
      failures = 0;
    } catch (error) {
      if (failures === 0) log.warn('the watchdog could not look at the leader; retrying with backoff', { error });
      failures++;
    }
  };

  const rejoinWhereBack = async (rejoin: NonNullable<WatchdogTimerOptions['rejoin']>) => {
    const state = await rejoin.load();
    const now = Date.now();
    for (const pending of state?.rewinding ?? []) {
      const wait = rejoinNotBefore.get(pending.replica);
      // A fresh claim is another process's rewind under way; a stale one was left by a process that died in it.
      if ((pending.claim !== undefined && now - pending.claim.at < REWIND_CLAIM_MS) || (wait !== undefined && now < wait.at)) continue;
      const probe = await rejoin.probe(pending.replica);
      if (!probe.ok) continue;
      try {
        rejoin.onRejoined(await rejoin.run(pending.replica));
        rejoinNotBefore.delete(pending.replica);
      } catch (error) {
        const n = (wait?.failures ?? 0) + 1;
        rejoinNotBefore.set(pending.replica, { at: now + Math.min(30_000, 1000 * 2 ** (n - 1)), failures: n });
        log.warn('the rewind of a deposed leader failed; trying again later', { replica: pending.replica, error, attempt: n });
      }
    }
  };

  return startSerialTimer(tick, () => (failures === 0 ? options.probeMs : Math.min(MAX_BACKOFF_MS, options.probeMs * 2 ** Math.min(failures, 10))));
}
