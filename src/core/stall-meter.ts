import type { StallMeter } from './ports';

/** How often the meter expects to run. */
export const STALL_TICK_MS = 100;
/** A tick this much later than due means the process could not run; less is ordinary jitter. */
export const STALL_MIN_MS = 200;
/** Stalls remembered; deadlines only ask about the last few seconds. */
const KEPT_STALLS = 256;

interface Stall {
  from: number;
  to: number;
}

/**
 * Measures when this process could not run, from a tick the event loop is asked to run every
 * `STALL_TICK_MS`: a tick due at `t` that runs at `t + d` (d ≥ `STALL_MIN_MS`) means the loop was
 * blocked or the process frozen from `t` to `t + d`.
 *
 * Why a deadline needs it: after such a stall Node runs the timers that fell due before it reads
 * the sockets, so a deadline racing an answer from the log (or the store) fires first and judges
 * the dependency by time in which this process could not have read its answer. A publish whose
 * produce answer is already waiting would answer 503, and a write whose commit answer arrived
 * during the stall would find its publish lease over. Deadlines that ask `stalledSince` count only
 * the time the process could run. A stall that is still ending (its tick has not run yet) counts
 * up to now, so the meter is right even when the deadline's timer runs before the tick.
 */
export class LoopStallMeter implements StallMeter {
  private last: number;
  private readonly stalls: Stall[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly tickMs = STALL_TICK_MS,
  ) {
    this.last = now();
  }

  /** Run by the event loop every `tickMs` (see `startStallMeter`); tests call it in virtual time. */
  tick(): void {
    const t = this.now();
    const ending = this.ending(t);
    if (ending !== undefined) {
      this.stalls.push(ending);
      if (this.stalls.length > KEPT_STALLS) this.stalls.shift();
    }
    this.last = t;
  }

  stalledSince(since: number): number {
    const t = this.now();
    const ending = this.ending(t);
    let total = 0;
    for (const s of ending === undefined ? this.stalls : [...this.stalls, ending]) {
      total += Math.max(0, Math.min(s.to, t) - Math.max(s.from, since));
    }
    return total;
  }

  private ending(t: number): Stall | undefined {
    const due = this.last + this.tickMs;
    return t - due >= STALL_MIN_MS ? { from: due, to: t } : undefined;
  }
}

/** A meter ticking on the real event loop (an unref'd interval: it never keeps a process alive); `stop` ends it. */
export function startStallMeter(): { meter: LoopStallMeter; stop: () => void } {
  const meter = new LoopStallMeter();
  const timer = setInterval(() => meter.tick(), STALL_TICK_MS);
  timer.unref();
  return { meter, stop: () => clearInterval(timer) };
}
