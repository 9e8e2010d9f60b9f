/**
 * Time as the core uses it: what time it is, a callback after a delay, and a pause. Injected so
 * that waits (an acknowledgement's deadline, a poll between rounds) run in virtual time in the unit
 * tests instead of on real timers.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once `ms` have passed; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
