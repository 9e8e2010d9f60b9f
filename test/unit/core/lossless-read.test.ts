import { readLossless, UnconfirmedReadError } from '../../../src/core/lossless-read';
import type { StoredItem } from '../../../src/core/ports';
import type { LogPosition } from '../../../src/core/positions';

const item = (over: Partial<StoredItem> = {}): StoredItem => ({ key: 'k', version: 3, value: 1, deleted: false, updatedAt: 0, ...over });
const at = (offset: number): LogPosition => ({ partition: 0, offset: String(offset) });

function deps(reads: (StoredItem | undefined)[], confirmedPast: () => number) {
  let now = 0;
  let i = 0;
  return {
    read: async () => reads[Math.min(i++, reads.length - 1)],
    confirmed: async (p: LogPosition) => Number(p.offset) < confirmedPast(),
    confirmers: () => 'the sync follower f1',
    maxWaitMs: 100,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('lossless reads of the leader', () => {
  it('answers a version once the ack mode\'s followers confirmed its publish', async () => {
    const d = deps([item({ published: at(7) })], () => 8);
    expect(await readLossless(d, 'k')).toMatchObject({ version: 3 });
  });

  it('waits while the newest version is committed but not in the log yet, then answers it once confirmed', async () => {
    const d = deps([item({ outboxAt: 1 }), item({ outboxAt: 1 }), item({ published: at(9) })], () => 10);
    expect(await readLossless(d, 'k')).toMatchObject({ version: 3, published: at(9) });
  });

  it('answers 503, retriable and saying who has not confirmed, when confirmation takes longer than the read may wait', async () => {
    const d = deps([item({ published: at(9), outboxAt: 1 })], () => 0);
    const error = await readLossless(d, 'k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnconfirmedReadError);
    expect(error).toMatchObject({ status: 503, retriable: true, code: 'UNAVAILABLE' });
    expect((error as Error).message).toMatch(/version 3 of "k" is committed on the leader but not confirmed by the sync follower f1/);
  });

  it('answers absent keys and long-settled versions (no lease, no record) at once', async () => {
    expect(await readLossless(deps([undefined], () => 0), 'k')).toBeUndefined();
    expect(await readLossless(deps([item()], () => 0), 'k')).toMatchObject({ version: 3 });
  });
});
