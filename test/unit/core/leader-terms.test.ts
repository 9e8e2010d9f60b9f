import { type ControlState, firstTerm, initialControlState, withFenceRecorded, withLeaderMoved, withSwitchoverBegun } from '../../../src/core/control-state';
import { LeaderMovingError } from '../../../src/core/errors';
import { CONFIRM_WINDOW_MS, LeaderTerms, termsLedBy } from '../../../src/core/leader-terms';

const T0 = 1_000_000;

/** A control store that answers with whatever state the test holds now, counting reads. */
function harness(initial: ControlState, options: { waitMs?: number; ttlMs?: number } = {}) {
  let now = T0;
  let state = initial;
  let reads = 0;
  const terms = new LeaderTerms({
    load: async () => {
      reads++;
      return state;
    },
    ttlMs: options.ttlMs ?? 250,
    waitMs: options.waitMs ?? 1000,
    pollMs: 25,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  return {
    terms,
    set: (next: ControlState) => {
      state = next;
    },
    state: () => state,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
    reads: () => reads,
  };
}

const base = () => initialControlState([{ id: 'follower-1', delayMs: 0 }, { id: 'follower-2', delayMs: 0 }], 'follower-1', T0);
const target = { id: 'follower-1', delayMs: 0, healthy: true, lagEvents: 0 };
const begun = (s: ControlState) => withSwitchoverBegun(s, { to: 'follower-1', by: 'test', reason: 'planned', now: T0, maxLagEvents: 100 }, target);

describe('leader terms (where a write commits and whether it may be confirmed)', () => {
  it('given an active leader, commits under its term and serves writes within the TTL from one read', async () => {
    const h = harness(base());
    expect(await h.terms.forWrite()).toEqual({ replica: 'main', term: 1 });
    h.advance(100);
    expect(await h.terms.forWrite()).toEqual({ replica: 'main', term: 1 });
    expect(h.reads()).toBe(1);
    h.advance(200);
    await h.terms.forWrite();
    expect(h.reads()).toBe(2);
  });

  it('once the TTL passed, concurrent writes share the one read in flight instead of each sending its own', async () => {
    let now = T0;
    let reads = 0;
    const answers: (() => void)[] = [];
    const terms = new LeaderTerms({
      load: () => {
        reads++;
        return new Promise((resolve) => answers.push(() => resolve(base())));
      },
      ttlMs: 250,
      waitMs: 1000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const first = terms.forWrite();
    answers.shift()?.();
    await first;
    now += 300;
    // The store is slow to answer (a queue of writes in front of the read): writes keep arriving.
    const waiting: Promise<unknown>[] = [terms.forWrite()];
    now += 50;
    waiting.push(terms.forWrite());
    now += 100;
    waiting.push(terms.forWrite(), terms.leaderForReads());
    expect(reads).toBe(2);
    answers.shift()?.();
    expect(await Promise.all(waiting)).toEqual([{ replica: 'main', term: 1 }, { replica: 'main', term: 1 }, { replica: 'main', term: 1 }, 'main']);
    // Past the TTL of the read they shared (sent 150 ms ago), the next write needs a newer one.
    now += 101;
    const later = terms.forWrite();
    expect(reads).toBe(3);
    answers.shift()?.();
    await later;
  });

  it('once the commit view expired, commits by a newer read within the TTL (a judge\'s or a background one) without a read of its own', async () => {
    const h = harness(base());
    expect(await h.terms.forWrite()).toEqual({ replica: 'main', term: 1 });
    h.advance(200);
    h.set(withLeaderMoved(withFenceRecorded(begun(base()), 2, { '0': '10' }, T0 + 50), 2, T0 + 60));
    expect(await h.terms.judge({ term: 1, position: { partition: 0, offset: '3' } }, h.now())).toEqual({ kind: 'confirmed' });
    expect(h.reads()).toBe(2);
    // Within the TTL the commit view stands, whatever a newer read said.
    expect(await h.terms.forWrite()).toEqual({ replica: 'main', term: 1 });
    h.advance(100);
    // Past it, the judge's read (sent 100 ms ago) serves: no read of the write's own.
    expect(await h.terms.forWrite()).toEqual({ replica: 'follower-1', term: 2 });
    expect(h.reads()).toBe(2);
  });

  it('given leadership moving, a write waits until the move completes, then goes to the new leader and term', async () => {
    const h = harness(begun(base()));
    const write = h.terms.forWrite();
    // The move completes while the write polls.
    const fenced = withFenceRecorded(h.state(), 2, { '0': '10' }, T0 + 50);
    h.set(withLeaderMoved(fenced, 2, T0 + 60));
    expect(await write).toEqual({ replica: 'follower-1', term: 2 });
  });

  it('given a move that does not finish within the wait, refuses with LEADER_MOVING (nothing committed)', async () => {
    const h = harness(begun(base()), { waitMs: 300 });
    await expect(h.terms.forWrite()).rejects.toBeInstanceOf(LeaderMovingError);
  });

  it('confirms a write from a read sent at most the confirm window before its publish ended, otherwise reads again', async () => {
    const h = harness(base());
    await h.terms.forWrite();
    h.advance(CONFIRM_WINDOW_MS - 10);
    expect(await h.terms.judge({ term: 1, position: { partition: 0, offset: '5' } }, h.now())).toEqual({ kind: 'confirmed' });
    expect(h.reads()).toBe(1);
    h.advance(20);
    expect(await h.terms.judge({ term: 1, position: { partition: 0, offset: '6' } }, h.now())).toEqual({ kind: 'confirmed' });
    expect(h.reads()).toBe(2);
  });

  it('given the next term fenced and the record after the fence, says not-leader with who leads now', async () => {
    const h = harness(base());
    await h.terms.forWrite();
    h.set(withLeaderMoved(withFenceRecorded(begun(base()), 2, { '0': '10', '1': '4' }, T0 + 1), 2, T0 + 2));
    h.advance(1000);
    expect(await h.terms.judge({ term: 1, position: { partition: 0, offset: '11' } }, h.now())).toEqual({ kind: 'not-leader', leader: 'follower-1', term: 2 });
    // A record before the fence was preserved by the move: confirmed.
    expect(await h.terms.judge({ term: 1, position: { partition: 1, offset: '3' } }, h.now())).toEqual({ kind: 'confirmed' });
  });

  it('given a move begun and no fence yet, waits for the fence, then judges by it', async () => {
    const h = harness(begun(base()), { waitMs: 1000 });
    const verdict = h.terms.judge({ term: 1, position: { partition: 0, offset: '9' } }, h.now());
    h.set(withFenceRecorded(h.state(), 2, { '0': '10' }, T0 + 30));
    expect(await verdict).toEqual({ kind: 'confirmed' });
  });

  it('while writes come, reads in the background so a judge finds a recent answered read and waits for none of its own', async () => {
    let now = T0;
    let reads = 0;
    const scheduled: (() => void)[] = [];
    let cancelled = 0;
    const terms = new LeaderTerms({
      load: async () => {
        reads++;
        return base();
      },
      ttlMs: 250,
      waitMs: 1000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      refresh: {
        everyMs: 75,
        whileWritesWithinMs: 1000,
        schedule: (_ms, fn) => {
          scheduled.push(fn);
          return () => {
            cancelled++;
          };
        },
      },
    });
    await terms.judge({ term: 1, position: { partition: 0, offset: '1' } }, now);
    expect(reads).toBe(1);
    now += 400;
    scheduled.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(2);
    now += 20;
    expect(await terms.judge({ term: 1, position: { partition: 0, offset: '2' } }, now)).toEqual({ kind: 'confirmed' });
    expect(reads).toBe(2);
    // No writes for a while: the background reads stop.
    now += 2000;
    scheduled.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(2);
    // A closing process cancels what is scheduled and schedules nothing more.
    await terms.judge({ term: 1, position: { partition: 0, offset: '3' } }, now);
    terms.stop();
    expect(cancelled).toBe(1);
    const left = scheduled.length;
    await terms.judge({ term: 1, position: { partition: 0, offset: '4' } }, now + 500);
    expect(scheduled.length).toBe(left);
  });

  it('sends leader reads where writes commit, learning of a move within the TTL, and never waits for one', async () => {
    const h = harness(base());
    expect(await h.terms.leaderForReads()).toBe('main');
    h.set(begun(base()));
    h.advance(300);
    // Leadership is moving: reads go on at the old leader, which holds every commit.
    expect(await h.terms.leaderForReads()).toBe('main');
    h.set(withLeaderMoved(withFenceRecorded(begun(base()), 2, { '0': '1' }, T0), 2, T0));
    expect(await h.terms.leaderForReads()).toBe('main');
    h.advance(300);
    expect(await h.terms.leaderForReads()).toBe('follower-1');
  });

  it('knows the terms a replica led, so its own consumer skips what its table wrote first', () => {
    const moved = withLeaderMoved(withFenceRecorded(begun(base()), 2, { '0': '1' }, T0), 2, T0);
    expect([...termsLedBy('main', moved.terms)]).toEqual([1]);
    expect([...termsLedBy('follower-1', moved.terms)]).toEqual([2]);
    expect(firstTerm('main', T0).leadership).toMatchObject({ replica: 'main', term: 1, state: 'active' });
  });

  it('after a move, the old leader follows in the target place and the target leaves the followers', () => {
    const moved = withLeaderMoved(withFenceRecorded(begun(base()), 2, { '0': '1' }, T0), 2, T0 + 5);
    expect(moved.leadership).toMatchObject({ replica: 'follower-1', term: 2, state: 'active' });
    expect(moved.followers.map((f) => f.id)).toEqual(['main', 'follower-2']);
    expect(moved.syncFollower).toBe('main');
    expect(moved.revision).toBe(base().revision + 3);
    expect(moved.leaderHistory[0]).toMatchObject({ term: 2, from: 'main', to: 'follower-1', kind: 'switchover', by: 'test' });
  });
});
