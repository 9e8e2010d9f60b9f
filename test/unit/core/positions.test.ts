import { hasPassed, lagOf } from '../../../src/core/positions';

describe('committed offsets as confirmation', () => {
  const committed = new Map([[0, 10n], [1, 0n]]);

  it('counts an event as confirmed only when the committed offset is past it', () => {
    expect(hasPassed(committed, { partition: 0, offset: '9' })).toBe(true);
    expect(hasPassed(committed, { partition: 0, offset: '10' })).toBe(false);
  });

  it('never confirms on a partition the group has not committed', () => {
    expect(hasPassed(committed, { partition: 2, offset: '0' })).toBe(false);
    expect(hasPassed(undefined, { partition: 0, offset: '0' })).toBe(false);
  });

  it('computes lag per partition and in total', () => {
    const lag = lagOf(new Map([[0, 15n], [1, 3n], [2, 0n]]), committed);
    expect(lag.total).toBe(5 + 3 + 0);
    expect(lag.perPartition.get(0)).toBe(5);
  });
});
