import { initialControlState } from '../../../src/core/control-state';
import { ConflictError, NotFoundError, ValidationError } from '../../../src/core/errors';
import type { LogRecord } from '../../../src/core/log-record';
import {
  checkMembers,
  decideChunk,
  decidePositions,
  decideRelease,
  decideStart,
  decideTable,
  type ReplayRequest,
  reachedTargets,
  requestedStarts,
  sliceChunk,
} from '../../../src/core/replay-decisions';
import { encodeFence, fenceKey } from '../../../src/core/fence';
import type { ReplayJournalEntry } from '../../../src/core/replay-journal';
import type { PartitionOffsets } from '../../../src/core/replay-plan';
import { decision } from '../../support/decision-spec';
import { changeEvent } from '../../support/event-fixtures';

const NOW = 1_000_000;
const control = initialControlState([{ id: 'f1', delayMs: 0 }, { id: 'f2', delayMs: 0 }, { id: 'slow', delayMs: 60_000 }], 'f1', 0);
const request = (over: Partial<ReplayRequest> = {}): ReplayRequest => ({ followerId: 'f2', from: { kind: 'earliest' }, rebuild: true, ...over });
const journal = (over: Partial<ReplayJournalEntry> = {}): ReplayJournalEntry => ({
  followerId: 'f2',
  mode: 'rebuild',
  from: 'earliest',
  phase: 'replaying',
  starts: { '0': '0' },
  targets: { '0': '10' },
  progress: { '0': '4' },
  owner: 'other',
  startedAt: NOW - 60_000,
  heartbeatAt: 0,
  runs: 1,
  ...over,
});
const offsets = (...pairs: Array<[number, number]>): PartitionOffsets => new Map(pairs.map(([p, o]) => [p, BigInt(o)]));
const record = (offset: number, value: string | null, over: Partial<LogRecord> = {}): LogRecord => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  key: 'k',
  value,
  timestamp: 0,
  ...over,
});

describe('replay decisions: starting a run', () => {
  const start = decision((journalEntry: ReplayJournalEntry | undefined, req: ReplayRequest) =>
    decideStart({ control, journal: journalEntry, owner: 'me', now: NOW, request: req }),
  );

  it('given no interrupted replay, when a rebuild is asked for, then it claims a fresh entry that recreates the table first', () => {
    start
      .given(undefined)
      .when(request())
      .thenReturns({ mode: 'rebuild', from: 'earliest', resumed: false, discard: false, entry: { phase: 'recreating-table', owner: 'me', heartbeatAt: NOW, runs: 1, starts: {} }, notices: [] });
  });

  it('given no interrupted replay, when a catch-up is asked for, then it starts replaying at once', () => {
    start.given(undefined).when(request({ rebuild: false, from: { kind: 'offset', offset: 5n } })).thenReturns({ mode: 'catch-up', from: '5', entry: { phase: 'replaying' } });
  });

  it('given an interrupted replay, when asked again with other options, then it resumes that one with its own options and says so', () => {
    const outcome = decideStart({ control, journal: journal(), owner: 'me', now: NOW, request: request({ rebuild: false }) });
    expect(outcome).toMatchObject({ mode: 'rebuild', resumed: true, entry: { runs: 2, owner: 'me', progress: { '0': '4' } } });
    expect(outcome.notices).toEqual([expect.stringMatching(/^resuming the interrupted rebuild from earliest .*; its options apply, not catch-up from earliest/)]);
  });

  it('given an interrupted replay, when --restart is asked for, then it discards it and plans afresh', () => {
    start.given(journal({ mode: 'catch-up' })).when(request({ restart: true })).thenReturns({ discard: true, resumed: false, mode: 'rebuild', notices: [expect.stringMatching(/^discarded the interrupted catch-up of f2/)] });
  });

  it('refuses, before any side effect, what it cannot do', () => {
    start.given(undefined).when(request({ followerId: 'nobody' })).thenRefuses(NotFoundError);
    start.given(journal({ heartbeatAt: NOW - 1000 })).when(request({ restart: true })).thenRefuses(new ConflictError('a replay of f2 is already running (other, last checkpoint 1s ago)'));
    start.given(undefined).when(request({ from: { kind: 'offset', offset: 3n } })).thenRefuses(ValidationError);
    start.given(undefined).when(request({ followerId: 'f1' })).thenRefuses(/is the sync follower/);
  });

  it('given a follower not registered yet, when `follower add` replays it, then its delay comes from the request', () => {
    start.given(undefined).when(request({ followerId: 'new', unregistered: true, delayMs: 5000 })).thenReturns({ delayMs: 5000 });
    start.given(undefined).when(request({ followerId: 'slow', rebuild: false })).thenReturns({ delayMs: 60_000 });
  });
});

describe('replay decisions: where each partition starts and ends', () => {
  const ends = { low: offsets([0, 2], [1, 0]), high: offsets([0, 10], [1, 6]) };

  it('given a fresh rebuild, when the log is read, then it spans the log, commits its starts and records them', () => {
    const plan = decidePositions({ entry: journal({ starts: {}, targets: {}, phase: 'recreating-table' }), mode: 'rebuild', delayMs: 0, ends, committed: offsets([0, 7]), requested: requestedStarts({ kind: 'earliest' }, ends) });
    expect(plan).toMatchObject({ commitStarts: true, entry: { starts: { '0': '2', '1': '0' }, targets: { '0': '10', '1': '6' } } });
    expect(plan.positions).toEqual(plan.starts);
  });

  it('given a resumed run, when the group committed further than its journal, then it continues from the committed offsets without committing again', () => {
    const plan = decidePositions({ entry: journal({ starts: { '0': '2', '1': '0' }, targets: { '0': '8', '1': '6' } }), mode: 'rebuild', delayMs: 0, ends, committed: offsets([0, 5]) });
    expect(plan.starts).toEqual(offsets([0, 5], [1, 0]));
    expect(plan.targets).toEqual(offsets([0, 10], [1, 6]));
    expect(plan).toMatchObject({ commitStarts: false, entry: { starts: { '0': '2', '1': '0' } } });
  });

  it('given a rebuild interrupted before its table was recreated, then it keeps its recorded starts and commits them again', () => {
    const plan = decidePositions({ entry: journal({ phase: 'recreating-table', starts: { '0': '2' }, targets: { '0': '4' } }), mode: 'rebuild', delayMs: 0, ends, committed: offsets([0, 9]) });
    expect(plan.starts).toEqual(offsets([0, 2]));
    expect(plan.commitStarts).toBe(true);
  });

  it('given a delayed follower, then its targets stop at what is older than its delay, never before its starts', () => {
    const plan = decidePositions({ entry: journal({ starts: {}, targets: {} }), mode: 'catch-up', delayMs: 60_000, ends, committed: offsets([0, 4], [1, 3]), requested: ends.low, due: offsets([0, 3], [1, 5]) });
    expect(plan.targets).toEqual(offsets([0, 3], [1, 5]));
    expect(plan.notices.at(-1)).toBe('f2 is delayed by 60s: replaying only events older than that');
  });

  it('asks the log by time only for a time', () => {
    expect(requestedStarts({ kind: 'offset', offset: 4n }, ends)).toEqual(offsets([0, 4], [1, 4]));
    expect(requestedStarts({ kind: 'time', at: 1, text: 'x' }, ends)).toBeUndefined();
  });
});

describe('replay decisions: the table, the chunks and letting go', () => {
  it('given a rebuild that has not recreated its table, then it recreates it and moves on to replaying; a resumed one reads the versions held', () => {
    expect(decideTable(journal({ phase: 'recreating-table' }), 'rebuild', NOW)).toMatchObject({ kind: 'recreate', entry: { phase: 'replaying', heartbeatAt: NOW } });
    expect(decideTable(journal(), 'rebuild', NOW)).toEqual({ kind: 'read-versions' });
    expect(decideTable(journal(), 'catch-up', NOW)).toEqual({ kind: 'none' });
  });

  it('given --max-rate, when a chunk is larger than a tenth of a second of it, then it is applied in slices, the last reaching the chunk end', () => {
    const records = [0, 1, 2, 3, 4].map((o) => record(o, '{}'));
    expect(sliceChunk(records, 9n, 20).map((s) => [s.records.length, s.reached])).toEqual([[2, 2n], [2, 4n], [1, 9n]]);
    expect(sliceChunk(records, 9n, undefined).map((s) => [s.records.length, s.reached])).toEqual([[5, 9n]]);
    expect(sliceChunk([], 9n, 20)).toEqual([{ records: [], reached: 9n }]);
  });

  it('given poison among the records, then it is skipped with its reason and the rest reduced to the newest per key', () => {
    const { poison, write } = decideChunk(
      [
        record(0, JSON.stringify(changeEvent({ key: 'a', version: 1 })), { key: 'a' }),
        record(1, '{not json'),
        record(2, JSON.stringify(changeEvent({ key: 'a', version: 2 })), { key: 'a' }),
        record(3, JSON.stringify(changeEvent({ key: 'b', version: 1 })), { key: null, rawKey: Uint8Array.of(0xff) }),
      ],
      undefined,
    );
    expect(poison.map((p) => [p.record.offset, p.reason])).toEqual([['1', 'record value is not JSON'], ['3', 'record key is not valid UTF-8']]);
    expect(write).toMatchObject({ kind: 'apply', events: [{ key: 'a', version: 2 }], dropped: 1 });
  });

  it('given a rebuild that wrote a newer version already, then an older one later in the log is not written over it', () => {
    const { write } = decideChunk([record(0, JSON.stringify(changeEvent({ key: 'a', version: 4 })), { key: 'a' })], new Map([['a', { version: 5 }]]));
    expect(write).toEqual({ kind: 'put', events: [], skipped: 1 });
  });

  it('given a fence of a newer term, then a deposed leader record after it is refused as the live followers refuse it, and the fence is passed on', () => {
    const fence = record(1, encodeFence({ kind: 'fence', term: 2, leader: 'follower-1', at: 1 }), { key: fenceKey(2) });
    const { write, fenced, passed } = decideChunk(
      [
        record(0, JSON.stringify(changeEvent({ key: 'a', version: 1, term: 1 })), { key: 'a' }),
        fence,
        record(2, JSON.stringify(changeEvent({ key: 'zombie', version: 1, term: 1 })), { key: 'zombie' }),
        record(3, JSON.stringify(changeEvent({ key: 'a', version: 2, term: 2 })), { key: 'a' }),
      ],
      new Map(),
    );
    expect(fenced).toBe(1);
    expect(write).toMatchObject({ kind: 'put', events: [{ key: 'a', version: 2, term: 2 }] });
    expect([...passed]).toEqual([[0, [{ term: 2, offset: '1' }]]]);
    // A later chunk is judged with the fences already known.
    const later = decideChunk([record(9, JSON.stringify(changeEvent({ key: 'late', version: 1, term: 1 })), { key: 'late' })], new Map(), () => [{ term: 2, offset: '1' }]);
    expect(later.fenced).toBe(1);
  });

  it('stops a checkpoint when another consumer joined the group', () => {
    expect(() => checkMembers(2, 'g', 'f2')).toThrow(ConflictError);
    expect(() => checkMembers(1, 'g', 'f2')).not.toThrow();
  });

  it('given a finished run (or one that never recorded its starts), then the journal goes; otherwise it stays with its lease released', () => {
    expect(reachedTargets(offsets([0, 4]), offsets([0, 4]))).toBe(true);
    expect(reachedTargets(offsets([0, 4]), offsets([0, 3]))).toBe(false);
    expect(decideRelease(journal({ heartbeatAt: NOW }), true)).toEqual({ kind: 'remove' });
    expect(decideRelease(journal({ starts: {} }), false)).toEqual({ kind: 'remove' });
    expect(decideRelease(journal({ heartbeatAt: NOW }), false)).toMatchObject({ kind: 'keep', entry: { heartbeatAt: 0 } });
  });
});
