import { FreshReads } from '../../../src/core/fresh-reads';
import { judgeWriteTerm, type Leadership, type TermStart } from '../../../src/core/leadership';

const at = (partition: number, offset: number) => ({ partition, offset: String(offset) });
const active = (replica: string, term: number): Leadership => ({ replica, term, since: 0, state: 'active' });
const moving = (term: number, fence?: Record<string, string>): Leadership => ({
  replica: 'main',
  term,
  since: 0,
  state: 'handing-over',
  transition: { kind: 'switchover', from: 'main', to: 'follower-1', term: term + 1, requestedAt: 1, by: 'test', reason: 'planned', ...(fence ? { fence } : {}) },
});
const started = (term: number, leader: string, fence: Record<string, string>): TermStart => ({ term, leader, startedAt: 0, fence });

describe('judging a write by its term', () => {
  it('given its term still active when read after the publish, confirms it', () => {
    expect(judgeWriteTerm({ term: 3, position: at(0, 10) }, { leadership: active('main', 3), terms: [] })).toEqual({ kind: 'confirmed' });
  });

  it('given a move under way whose fence is not written yet, waits', () => {
    expect(judgeWriteTerm({ term: 3, position: at(0, 10) }, { leadership: moving(3), terms: [] })).toMatchObject({ kind: 'wait' });
  });

  it('given the fence written, confirms a record before it and refuses one at or after it', () => {
    const view = { leadership: moving(3, { '0': '11', '1': '4' }), terms: [] };
    expect(judgeWriteTerm({ term: 3, position: at(0, 10) }, view)).toEqual({ kind: 'confirmed' });
    expect(judgeWriteTerm({ term: 3, position: at(0, 12) }, view)).toEqual({ kind: 'not-leader', leader: 'follower-1', term: 4 });
    expect(judgeWriteTerm({ term: 3, position: at(1, 4) }, view)).toMatchObject({ kind: 'not-leader' });
  });

  it('given later terms began, judges by the fence of the term right after the write\'s', () => {
    const terms = [started(5, 'main', { '0': '90' }), started(4, 'follower-1', { '0': '40' })];
    const view = { leadership: active('main', 5), terms };
    expect(judgeWriteTerm({ term: 3, position: at(0, 39) }, view)).toEqual({ kind: 'confirmed' });
    expect(judgeWriteTerm({ term: 3, position: at(0, 41) }, view)).toEqual({ kind: 'not-leader', leader: 'follower-1', term: 4 });
  });

  it('given a term so old its successor left the history, refuses it', () => {
    expect(judgeWriteTerm({ term: 1, position: at(0, 1) }, { leadership: active('main', 9), terms: [] })).toMatchObject({ kind: 'not-leader', term: 9 });
  });

  it('given a fence that has no entry for the record\'s partition, refuses rather than guess', () => {
    const view = { leadership: moving(2, { '0': '5' }), terms: [] };
    expect(judgeWriteTerm({ term: 2, position: at(7, 1) }, view)).toMatchObject({ kind: 'not-leader' });
  });
});

describe('fresh reads shared by writes', () => {
  it('serves every caller whose moment came before the read was sent, and reads again for a later one', async () => {
    let now = 100;
    const sent: number[] = [];
    const releases: Array<() => void> = [];
    const reads = new FreshReads<number>(
      () =>
        new Promise<number>((resolve) => {
          sent.push(now);
          releases.push(() => resolve(now));
        }),
      () => now,
    );
    const a = reads.after(90);
    const b = reads.after(100);
    now = 105;
    const c = reads.after(104); // sent at 100, too early for c: a second read after the first
    const d = reads.after(104);
    expect(sent).toEqual([100]);
    releases[0]?.();
    await expect(a).resolves.toBe(105);
    await expect(b).resolves.toBe(105);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([100, 105]);
    releases[1]?.();
    await expect(c).resolves.toBe(105);
    await expect(d).resolves.toBe(105);
  });
});
