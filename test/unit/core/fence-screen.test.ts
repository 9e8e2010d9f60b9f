import { encodeFence, fenceKey, fenceRefusing, fencesFromTerms, screenByFences } from '../../../src/core/fence';
import { decodeLogRecords, type LogRecord } from '../../../src/core/log-record';
import { encodeChangeEvent } from '../../../src/core/change-event';
import { changeEvent } from '../../support/event-fixtures';

const rec = (partition: number, offset: number, key: string, value: string): LogRecord => ({ topic: 't', partition, offset: String(offset), key, value, timestamp: 0 });
const event = (partition: number, offset: number, key: string, version: number, term: number) =>
  rec(partition, offset, key, encodeChangeEvent(changeEvent({ key, version, term })));
const fence = (partition: number, offset: number, term: number) => rec(partition, offset, fenceKey(term), encodeFence({ kind: 'fence', term, leader: 'follower-1', at: 1 }));

describe('the fence rule', () => {
  it('given a fence of term 2, applies term 1 records before it and refuses those after it, in the same batch', () => {
    const { entries, poison } = decodeLogRecords([event(0, 1, 'a', 1, 1), fence(0, 2, 2), event(0, 3, 'b', 1, 1), event(0, 4, 'a', 2, 2)]);
    expect(poison).toEqual([]);
    const out = screenByFences(entries, () => []);
    expect(out.apply.map((e) => [e.key, e.term])).toEqual([
      ['a', 1],
      ['a', 2],
    ]);
    expect(out.fenced.map((f) => [f.record.offset, f.fence])).toEqual([['3', { term: 2, offset: '2' }]]);
    expect(out.passed.get(0)).toEqual([{ term: 2, offset: '2' }]);
  });

  it('judges by the fence position, so re-reading from before a known fence refuses exactly the same records', () => {
    const known = [{ term: 2, offset: '10' }];
    const { entries } = decodeLogRecords([event(0, 9, 'a', 5, 1), event(0, 11, 'a', 6, 1), event(0, 12, 'b', 7, 2)]);
    const out = screenByFences(entries, () => known);
    expect(out.apply.map((e) => e.version)).toEqual([5, 7]);
    expect(out.fenced.map((f) => f.record.offset)).toEqual(['11']);
    expect(out.passed.size).toBe(0);
  });

  it('keeps each partition to its own fences', () => {
    const { entries } = decodeLogRecords([fence(0, 3, 2), event(1, 5, 'x', 4, 1)]);
    expect(screenByFences(entries, () => []).apply.map((e) => e.key)).toEqual(['x']);
  });

  it('skips the events of terms this replica led: its own table committed them first', () => {
    const { entries } = decodeLogRecords([event(0, 1, 'a', 1, 1), event(0, 2, 'a', 2, 3)]);
    const out = screenByFences(entries, () => [], new Set([1]));
    expect(out.led).toBe(1);
    expect(out.apply.map((e) => e.term)).toEqual([3]);
  });

  it('refuses by the newest fence that precedes the record; a record of the newest term is never refused', () => {
    const fences = [
      { term: 2, offset: '10' },
      { term: 4, offset: '20' },
    ];
    expect(fenceRefusing(1, '30', fences)).toEqual({ term: 4, offset: '20' });
    expect(fenceRefusing(3, '15', fences)).toBeUndefined();
    expect(fenceRefusing(3, '21', fences)).toEqual({ term: 4, offset: '20' });
    expect(fenceRefusing(4, '25', fences)).toBeUndefined();
    expect(fenceRefusing(1, '10', fences)).toBeUndefined();
  });

  it('reads a fence under a fence key that is not a fence, or of another term, as poison', () => {
    const bad = decodeLogRecords([rec(0, 1, fenceKey(2), '{"v":2}'), rec(0, 2, fenceKey(3), encodeFence({ kind: 'fence', term: 2, leader: 'x', at: 1 }))]);
    expect(bad.entries).toEqual([]);
    expect(bad.poison.map((p) => p.reason)).toEqual([expect.stringMatching(/schema/), expect.stringMatching(/does not match its term/)]);
  });

  it('takes the fences the control state recorded, per partition', () => {
    expect(fencesFromTerms([{ term: 3, fence: { '0': '7', '1': '9' } }, { term: 1, fence: {} }], 1)).toEqual([{ term: 3, offset: '9' }]);
  });
});
