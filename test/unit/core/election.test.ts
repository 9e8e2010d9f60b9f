import { type CandidateView, electLeader } from '../../../src/core/election';

const replica = (id: string, committed: Record<number, number>, over: Partial<CandidateView> = {}): CandidateView => ({
  id,
  delayMs: 0,
  healthy: true,
  needsRewind: false,
  priority: Number(id.replace(/\D/g, '') || 0),
  committed: new Map(Object.entries(committed).map(([p, o]) => [Number(p), BigInt(o)])),
  ...over,
});
const end = (offsets: Record<number, number>) => new Map(Object.entries(offsets).map(([p, o]) => [Number(p), BigInt(o)]));

describe('electing a leader after the leader is lost', () => {
  it('under semi-sync, elects the sync follower even when another follower is further along', () => {
    const outcome = electLeader({
      mode: { kind: 'semi-sync' },
      failedLeader: 'main',
      syncFollower: 'follower-2',
      candidates: [replica('follower-1', { 0: 50 }), replica('follower-2', { 0: 40 })],
      logEnd: end({ 0: 50 }),
    });
    expect(outcome).toMatchObject({ kind: 'elect', candidate: 'follower-2' });
  });

  it('under semi-sync with the sync follower down, promotes nobody and says why', () => {
    const outcome = electLeader({
      mode: { kind: 'semi-sync' },
      failedLeader: 'main',
      syncFollower: 'follower-1',
      candidates: [replica('follower-1', { 0: 50 }, { healthy: false }), replica('follower-2', { 0: 50 })],
      logEnd: end({ 0: 50 }),
    });
    expect(outcome.kind).toBe('none');
    expect(outcome.reason).toMatch(/only the sync follower follower-1 holds every acknowledged write.*not reachable/);
  });

  it('under sync, elects the first sync-capable follower by priority, never a delayed one or the lost leader', () => {
    const outcome = electLeader({
      mode: { kind: 'sync' },
      failedLeader: 'follower-1',
      syncFollower: 'follower-1',
      candidates: [replica('follower-1', { 0: 9 }), replica('follower-2', { 0: 9 }, { delayMs: 5000 }), replica('follower-3', { 0: 9 })],
      logEnd: end({ 0: 9 }),
    });
    expect(outcome).toMatchObject({ kind: 'elect', candidate: 'follower-3' });
  });

  it('under quorum:2, elects only a follower among the two furthest in every partition', () => {
    const candidates = [
      replica('follower-1', { 0: 10, 1: 3 }),
      replica('follower-2', { 0: 10, 1: 8 }),
      replica('follower-3', { 0: 5, 1: 8 }),
    ];
    expect(electLeader({ mode: { kind: 'quorum', k: 2 }, failedLeader: 'main', syncFollower: null, candidates, logEnd: end({ 0: 10, 1: 8 }) })).toMatchObject({
      kind: 'elect',
      candidate: 'follower-2',
    });
    const unreachable = candidates.map((c) => (c.id === 'follower-2' ? { ...c, healthy: false } : c));
    expect(electLeader({ mode: { kind: 'quorum', k: 2 }, failedLeader: 'main', syncFollower: null, candidates: unreachable, logEnd: end({ 0: 10, 1: 8 }) }).kind).toBe('none');
  });

  it('under async, waits for a follower to apply the whole log the lost leader wrote', () => {
    const input = { mode: { kind: 'async' as const }, failedLeader: 'main', syncFollower: null, logEnd: end({ 0: 20 }) };
    expect(electLeader({ ...input, candidates: [replica('follower-1', { 0: 19 })] }).kind).toBe('none');
    expect(electLeader({ ...input, candidates: [replica('follower-1', { 0: 20 })] })).toMatchObject({ kind: 'elect', candidate: 'follower-1' });
  });

  it('never elects a replica that still has to be rewound', () => {
    const outcome = electLeader({
      mode: { kind: 'sync' },
      failedLeader: 'follower-1',
      syncFollower: null,
      candidates: [replica('main', { 0: 9 }, { needsRewind: true })],
      logEnd: end({ 0: 9 }),
    });
    expect(outcome).toEqual({ kind: 'none', reason: 'sync: no sync-capable follower is reachable and consuming' });
  });
});
