import { HISTORY_SHOWN, renderStatus, type StatusDocument } from '../../../src/cli/commands/status';

const base = {
  control: { revision: 7, syncFollower: 'main', promotions: 0 },
  topic: { name: 'replog.changes', endOffsets: { '0': '40', '1': '31' } },
  followers: [
    { id: 'main', role: 'sync', healthy: true, healthReason: null, lag: { events: 0 }, committed: { '0': '40', '1': '31' } },
    { id: 'follower-2', role: 'async', healthy: true, healthReason: null, lag: { events: 1 }, committed: { '0': '39', '1': '31' } },
  ],
  counters: { acks: { 'semi-sync': 9 }, syncTimeouts: 0, promotions: 0, degradedAcks: 0, failedAcks: 0, wait: { averageMs: 3, p99Ms: 8 } },
};

const move = (term: number, from: string, to: string, minute: number) => ({
  term,
  from,
  to,
  at: `2024-05-01T12:${String(minute).padStart(2, '0')}:00.000Z`,
  kind: 'switchover',
  by: 'cli:ops@host',
  reason: `planned move ${term}`,
  pauseMs: 100 + term,
});

const leader = {
  replica: 'follower-1',
  term: 3,
  state: 'active',
  since: '2024-05-01T12:30:00.000Z',
  table: 'replog-follower-1',
  topic: 'replog.changes',
  startedAt: '2024-05-01T11:00:00.000Z',
  transition: null,
  terms: [
    { term: 3, leader: 'follower-1', startedAt: '2024-05-01T12:30:00.000Z', fence: { '0': '30', '1': '20' } },
    { term: 2, leader: 'main', startedAt: '2024-05-01T12:10:00.000Z', fence: { '0': '10', '1': '8' } },
    { term: 1, leader: 'main', startedAt: '2024-05-01T11:00:00.000Z', fence: {} },
  ],
  history: [move(3, 'main', 'follower-1', 30)],
};

const lines = (doc: unknown) => renderStatus(doc as StatusDocument).split('\n');

describe('replog status: leadership', () => {
  it('given a leader that moved once, shows the leader, its term, state, since and table first, then the move', () => {
    const out = lines({ ...base, leader });
    expect(out[0]).toBe('leader follower-1  term 3  active  since 2024-05-01T12:30:00.000Z  table replog-follower-1');
    expect(out[1]).toBe('leadership moves (1, newest first)');
    expect(out[2]).toBe(
      '  term 3  main → follower-1  switchover  at 2024-05-01T12:30:00.000Z  by cli:ops@host  write pause 103 ms  because planned move 3',
    );
    expect(out[3]).toMatch(/^topic replog.changes/);
  });

  it('given a switchover under way, says to whom, for which term, who asked, why, and whether the fence is in the log', () => {
    const transition = {
      kind: 'switchover',
      from: 'follower-1',
      to: 'follower-2',
      term: 4,
      requestedAt: '2024-05-01T12:40:00.000Z',
      by: 'http:admin',
      reason: 'patching the host',
      fence: null,
    };
    const waiting = lines({ ...base, leader: { ...leader, state: 'handing-over', transition } });
    expect(waiting[0]).toMatch(/^leader follower-1 {2}term 3 {2}HANDING-OVER {2}since/);
    expect(waiting[1]).toBe(
      '  handing over from follower-1 to follower-2 for term 4, requested by http:admin at 2024-05-01T12:40:00.000Z because patching the host; fence not in the log yet',
    );
    const fenced = lines({ ...base, leader: { ...leader, state: 'handing-over', transition: { ...transition, fence: { '0': '41', '1': '31' } } } });
    expect(fenced[1]).toMatch(/; fence at 0:41 1:31$/);
    const failover = lines({ ...base, leader: { ...leader, state: 'electing', transition: { ...transition, kind: 'failover' } } });
    expect(failover[1]).toMatch(/^ {2}failing over from follower-1 to follower-2 for term 4/);
  });

  it(`given a long history, lists the newest ${HISTORY_SHOWN} moves only and says how many there are`, () => {
    const history = [move(6, 'b', 'a', 50), move(5, 'a', 'b', 45), move(4, 'b', 'a', 40), move(3, 'a', 'b', 35), move(2, 'main', 'a', 30)];
    const out = lines({ ...base, leader: { ...leader, term: 6, history } });
    expect(out[1]).toBe(`leadership moves (last ${HISTORY_SHOWN} of 5, newest first)`);
    const moves = out.filter((l) => l.startsWith('  term '));
    expect(moves.map((l) => l.split(/\s{2,}/)[1])).toEqual(['term 6', 'term 5', 'term 4']);
  });

  it('given a leader that never moved, shows no history lines', () => {
    const out = lines({ ...base, leader: { ...leader, replica: 'main', term: 1, table: 'replog-leader', history: [] } });
    expect(out[0]).toMatch(/^leader main {2}term 1 {2}active {2}since .* {2}table replog-leader$/);
    expect(out[1]).toMatch(/^topic /);
  });

  it('given a status from a replog before leader terms, shows the leader table as before', () => {
    const out = lines({ ...base, leader: { table: 'replog-leader', topic: 'replog.changes', startedAt: '2024-05-01T11:00:00.000Z' } });
    expect(out[0]).toBe('leader table replog-leader');
    expect(out[1]).toMatch(/^topic /);
  });
});

describe('replog status: fenced refusals', () => {
  const header = (out: string[]) => out.find((l) => l.startsWith('follower ')) ?? '';

  it('given no follower refused a fenced event (or none reports it), shows no fenced column', () => {
    expect(header(lines({ ...base, leader }))).not.toContain('fenced');
    const zero = { ...base, followers: base.followers.map((f) => ({ ...f, fencedRefusals: 0 })) };
    expect(header(lines({ ...zero, leader }))).not.toContain('fenced');
  });

  it('given a follower that refused fenced events, shows the column with each count, absent counting as 0', () => {
    const doc = { ...base, leader, followers: [{ ...base.followers[0], fencedRefusals: 4 }, base.followers[1]] };
    const out = lines(doc);
    expect(header(out)).toMatch(/last \/ p99\s+fenced\s+committed/);
    expect(out.find((l) => l.startsWith('main '))).toMatch(/- \/ -\s+4\s+0:40 1:31/);
    expect(out.find((l) => l.startsWith('follower-2 '))).toMatch(/- \/ -\s+0\s+0:39 1:31/);
  });
});
