import type { Timers } from '../../src/core/ports';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Lets every promise chain that can move without time move (a macrotask turn, not a timer). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Virtual time for the core's waits: nothing happens until the test runs the clock, which then
 * jumps from one due timer to the next, letting the code under test react in between. A run
 * takes no real time and lands on the same moments every time.
 */
export class ManualClock implements Timers {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now = (): number => this.t;

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Schedules something the test does at a moment of virtual time, `ms` from now. */
  at(ms: number, fn: () => void): void {
    this.after(ms, fn);
  }

  /** Runs virtual time until `promise` settles, and settles as it does; a promise no timer can move is a failure. */
  async run<T>(promise: Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    promise.then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    );
    for (;;) {
      await settle();
      if (outcome) {
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) throw new Error('the promise is still pending and no timer is left to move it');
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.at;
      next.fn();
    }
  }

  /** Runs virtual time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await settle();
  }
}
