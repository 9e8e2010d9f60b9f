import { applyWhenDue, splitDue } from '../../../src/core/apply-delay';
import { UnavailableError } from '../../../src/core/errors';

const ev = (committedAt: number, id = committedAt) => ({ committedAt, id });

function clock(start: number) {
  let now = start;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    now += ms;
  };
  return { now: () => now, sleep, sleeps };
}

describe('apply delay', () => {
  it('given events of different ages, splits those old enough from those still waiting and says when the next is due', () => {
    const { due, waiting, nextDueAt } = splitDue([ev(100), ev(900), ev(300), ev(950)], 500, 1000);
    expect(due.map((e) => e.id)).toEqual([100, 300]);
    expect(waiting.map((e) => e.id)).toEqual([900, 950]);
    expect(nextDueAt).toBe(1400);
  });

  it('given a batch, applies each event only once it is delay old, sleeping in between', async () => {
    const c = clock(1000);
    const applied: { at: number; ids: number[] }[] = [];
    await applyWhenDue([ev(200), ev(700), ev(800)], { delayMs: 500, maxWaitMs: 10_000, sleep: c.sleep }, c.now, async (due) => {
      applied.push({ at: c.now(), ids: due.map((e) => e.id) });
    });
    expect(applied).toEqual([
      { at: 1000, ids: [200] },
      { at: 1200, ids: [700] },
      { at: 1300, ids: [800] },
    ]);
    for (const { at, ids } of applied) for (const id of ids) expect(at - id).toBeGreaterThanOrEqual(500);
  });

  it('given an event due after the longest wait, applies what is due and fails the delivery as retriable', async () => {
    const c = clock(1000);
    const applied: number[] = [];
    const run = applyWhenDue([ev(900), ev(990)], { delayMs: 60_000, maxWaitMs: 100, sleep: c.sleep }, c.now, async (due) => {
      applied.push(...due.map((e) => e.id));
    });
    await expect(run).rejects.toBeInstanceOf(UnavailableError);
    await expect(run).rejects.toMatchObject({ retriable: true });
    expect(applied).toEqual([]);
    expect(c.sleeps).toEqual([]);
  });
});
