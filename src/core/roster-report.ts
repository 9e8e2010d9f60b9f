import type { ControlState } from './control-state';
import { formatDuration } from './replay-progress';

export interface ConfiguredFollower {
  id: string;
  delayMs: number;
}

export type RosterSource = 'REPLOG_FOLLOWERS' | 'default' | 'default (REPLOG_FOLLOWERS is empty)';

export interface RosterReport {
  /** The followers in force, in priority order, with their roles: "follower-1 (sync), follower-2". */
  inForce: string;
  /** Why these: the variable, the default, or the control state that outlives restarts. */
  source: string;
  /** What a user who changed REPLOG_FOLLOWERS must be told at startup. */
  notices: string[];
}

const describe = (f: ConfiguredFollower, sync: string | null) =>
  f.id === sync ? `${f.id} (sync)` : f.delayMs > 0 ? `${f.id} (delayed ${formatDuration(f.delayMs)})` : f.id;

/**
 * REPLOG_FOLLOWERS only seeds the control state; once the state exists (it is kept with the data
 * and changed by `replog follower add|remove` and promotions), it decides. Startup says which
 * roster is in force and why, so a changed variable is never ignored in silence.
 */
export function reportRoster(configured: readonly ConfiguredFollower[], from: RosterSource, state: ControlState): RosterReport {
  const inForce = [...state.followers].sort((a, b) => a.priority - b.priority);
  const same =
    inForce.length === configured.length && inForce.every((f, i) => f.id === configured[i]?.id && f.delayMs === configured[i]?.delayMs);
  const list = inForce.map((f) => describe(f, state.syncFollower)).join(', ');
  const notices: string[] = [];
  if (from === 'default (REPLOG_FOLLOWERS is empty)') {
    notices.push('REPLOG_FOLLOWERS is set but empty, so the default roster seeds a new control state (unset it, or list followers)');
  }
  if (same) return { inForce: list, source: from === 'REPLOG_FOLLOWERS' ? 'from REPLOG_FOLLOWERS' : `the ${from}`, notices };
  const wanted = configured.map((f) => (f.delayMs > 0 ? `${f.id}@delay=${formatDuration(f.delayMs)}` : f.id)).join(',');
  if (from === 'REPLOG_FOLLOWERS') {
    notices.push(
      `REPLOG_FOLLOWERS=${wanted} is not applied: the control state already holds a roster (${inForce.map((f) => f.id).join(', ')}), and it decides. ` +
        'Change the roster with `replog follower add <id>` and `replog follower remove <id>`, or start over with `replog dev --reset` (deletes the local data).',
    );
  }
  return { inForce: list, source: 'from the control state (REPLOG_FOLLOWERS only seeds a new one; `replog follower add|remove` change it)', notices };
}
