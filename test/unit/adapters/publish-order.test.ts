import { orderVersionsPerKey } from '../../../src/adapters/kafka/change-publisher';
import { changeEvent } from '../../support/event-fixtures';

const pending = (key: string, version: number) => ({ event: changeEvent({ key, version }), resolve: () => {}, reject: () => {} });

describe('publish batch ordering', () => {
  it('given one key committed out of order within a batch, publishes its versions in order in the same slots', () => {
    const batch = [pending('a', 6), pending('b', 1), pending('a', 5), pending('c', 2), pending('a', 7)];
    orderVersionsPerKey(batch);
    expect(batch.map((p) => `${p.event.key}@${p.event.version}`)).toEqual(['a@5', 'b@1', 'a@6', 'c@2', 'a@7']);
  });

  it('leaves a batch of distinct keys untouched', () => {
    const batch = [pending('x', 3), pending('y', 1)];
    orderVersionsPerKey(batch);
    expect(batch.map((p) => p.event.key)).toEqual(['x', 'y']);
  });
});
