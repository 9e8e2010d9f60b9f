import { ValidationError } from '../../../src/core/errors';
import { offsetsFromRecord, offsetsToRecord, parseReplayFrom, planReplay } from '../../../src/core/replay-plan';

const offsets = (...values: number[]) => new Map(values.map((v, p) => [p, BigInt(v)]));

describe('--from parsing', () => {
  it('given earliest, an offset or an ISO time with a zone, parses each', () => {
    expect(parseReplayFrom('earliest')).toEqual({ kind: 'earliest' });
    expect(parseReplayFrom('1234')).toEqual({ kind: 'offset', offset: 1234n });
    expect(parseReplayFrom('2024-05-01T12:00:00Z')).toEqual({ kind: 'time', at: Date.UTC(2024, 4, 1, 12), text: '2024-05-01T12:00:00Z' });
    expect(parseReplayFrom('2024-05-01T14:00:00.5+02:00')).toMatchObject({ kind: 'time', at: Date.UTC(2024, 4, 1, 12, 0, 0, 500) });
    expect(parseReplayFrom('2024-05-01')).toMatchObject({ kind: 'time', at: Date.UTC(2024, 4, 1) });
  });

  it('given a date-time without a zone, refuses it and says to add one', () => {
    expect(() => parseReplayFrom('2024-05-01T12:00:00')).toThrow(/no time zone/);
  });

  it('given anything else, refuses it as a bad query', () => {
    for (const bad of ['', 'latest', '-1', '12abc', '2024-13-45T99:00Z', 'yesterday']) {
      expect(() => parseReplayFrom(bad)).toThrow(ValidationError);
    }
  });
});

describe('replay planning', () => {
  it('given a catch-up from earliest, starts at the log start and ends at the log end of each partition', () => {
    const plan = planReplay({ mode: 'catch-up', requested: offsets(5, 0, 0), low: offsets(5, 0, 0), high: offsets(50, 40, 0), committed: offsets(20, 40) });
    expect(plan.starts).toEqual(offsets(5, 0, 0));
    expect(plan.targets).toEqual(offsets(50, 40, 0));
    expect(plan.notes).toEqual([]);
  });

  it('given a catch-up asked to start after what the follower applied, starts where it applied instead and says so', () => {
    const plan = planReplay({ mode: 'catch-up', requested: offsets(30, 30), low: offsets(0, 0), high: offsets(50, 50), committed: offsets(10, 40) });
    expect(plan.starts).toEqual(offsets(10, 30));
    expect(plan.notes).toEqual(['partition 0: starting at 10, not 30: the follower has not applied 10..29 yet']);
  });

  it('given a follower group that never committed, a catch-up starts at the log start', () => {
    const plan = planReplay({ mode: 'catch-up', requested: offsets(30), low: offsets(3), high: offsets(50), committed: new Map() });
    expect(plan.starts).toEqual(offsets(3));
  });

  it('given a requested offset below the log start or beyond its end, clamps it and notes the compaction', () => {
    const plan = planReplay({ mode: 'rebuild', requested: offsets(2, 900), low: offsets(10, 0), high: offsets(100, 60), committed: new Map() });
    expect(plan.starts).toEqual(offsets(10, 60));
    expect(plan.notes[0]).toMatch(/partition 0: offsets below 10 are no longer in the log/);
  });

  it('given offsets as records, round-trips them in partition order', () => {
    const map = offsets(7, 8, 9);
    expect(offsetsToRecord(map)).toEqual({ '0': '7', '1': '8', '2': '9' });
    expect(offsetsFromRecord(offsetsToRecord(map))).toEqual(map);
  });
});
