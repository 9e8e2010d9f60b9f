import type { AckMode } from './ack-mode';
import { type ControlState, syncCapable } from './control-state';

/**
 * Which followers must have committed past a write for its mode, and how many of them: the sync
 * follower (semi-sync), every sync-capable follower (sync), K of them (quorum:K), none (async).
 * The acknowledger waits for them; lossless reads (core/lossless-read.ts) wait for the same.
 */
export function confirmersOf(mode: AckMode, state: ControlState): { followers: string[]; needed: number; describe: string } {
  switch (mode.kind) {
    case 'async':
      return { followers: [], needed: 0, describe: 'the log (async)' };
    case 'semi-sync': {
      const sync = state.syncFollower;
      return { followers: sync === null ? [] : [sync], needed: 1, describe: `the sync follower ${sync ?? '(none)'}` };
    }
    case 'sync': {
      const capable = syncCapable(state).map((f) => f.id);
      return { followers: capable, needed: capable.length, describe: `every sync-capable follower (${capable.join(', ') || 'none'})` };
    }
    case 'quorum': {
      const capable = syncCapable(state).map((f) => f.id);
      return { followers: capable, needed: mode.k, describe: `${mode.k} of ${capable.join(', ') || 'no follower'}` };
    }
  }
}
