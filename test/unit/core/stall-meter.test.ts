import { LoopStallMeter, STALL_MIN_MS, STALL_TICK_MS } from '../../../src/core/stall-meter';

describe('loop stall meter', () => {
  const T0 = 1_000_000;
  function meter() {
    const clock = { now: T0 };
    const m = new LoopStallMeter(() => clock.now);
    const run = (ms: number, every = STALL_TICK_MS) => {
      for (let t = 0; t < ms; t += every) {
        clock.now += every;
        m.tick();
      }
    };
    return { clock, m, run };
  }

  it('given ticks on time, or late by less than the threshold, counts no stall', () => {
    const { m, run } = meter();
    run(1000);
    run(1000, STALL_TICK_MS + STALL_MIN_MS - 1);
    expect(m.stalledSince(T0)).toBe(0);
  });

  it('given a tick that ran 5 s late, counts the 5 s from when it was due, and only the part after a later moment', () => {
    const { clock, m, run } = meter();
    run(1000);
    const due = clock.now + STALL_TICK_MS;
    clock.now = due + 5000;
    m.tick();
    run(500);

    expect(m.stalledSince(T0)).toBe(5000);
    expect(m.stalledSince(due + 2000)).toBe(3000);
    expect(m.stalledSince(clock.now)).toBe(0);
  });

  it('given a stall still ending (its tick has not run yet), counts it up to now', () => {
    const { clock, m, run } = meter();
    run(300);
    const due = clock.now + STALL_TICK_MS;
    clock.now = due + 13_000;

    // The deadline's timer can run before the meter's tick after the stall: the answer is the same.
    expect(m.stalledSince(T0)).toBe(13_000);
    m.tick();
    expect(m.stalledSince(T0)).toBe(13_000);
  });
});
