import { AppliedRecordWriter } from '../../../src/core/applied-record';
import { encodeChangeEvent } from '../../../src/core/change-event';
import { initialControlState } from '../../../src/core/control-state';
import { createFollowerHandler, type FollowerHandlerDeps } from '../../../src/functions/follower-apply';
import { changeEvent } from '../../support/event-fixtures';
import { MemoryAppliedRecords } from '../../support/in-memory-applied-records';
import { InMemoryFollowerStore, silentLog } from '../../support/in-memory-stores';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A Lambda Kafka event of one partition, each offset carrying version `offset + 1` of key k. */
function lambdaEvent(partition: number, offsets: number[]) {
  return {
    eventSource: 'aws:kafka',
    records: {
      [`t-${partition}`]: offsets.map((offset) => ({
        topic: 't',
        partition,
        offset,
        timestamp: 1,
        key: b64('k'),
        value: b64(encodeChangeEvent(changeEvent({ key: 'k', version: offset + 1, value: { n: offset } }))),
      })),
    },
  };
}

function handler(withRecords = true) {
  const table = new InMemoryFollowerStore();
  const records = new MemoryAppliedRecords();
  const deps: FollowerHandlerDeps = {
    config: { followers: [{ id: 'f1', delayMs: 0 }], delayMaxWaitMs: 1000 },
    roster: { current: async () => initialControlState([{ id: 'f1', delayMs: 0 }], 'f1', 0) },
    followerTable: () => table,
    fenceMemory: () => ({ known: async () => () => [], remember: async () => undefined }),
    deadLetters: { send: async () => undefined },
    progressRecorder: { record: async () => undefined },
    instrumentation: { emit: () => undefined },
    log: () => silentLog,
    ...(withRecords ? { appliedWriter: new AppliedRecordWriter(records, () => 'inc-1') } : {}),
  };
  return { table, records, handle: createFollowerHandler(() => deps, () => 'f1') };
}

describe('the follower handler with applied records', () => {
  it('extends the partition record to the batch end once the batch is in the table', async () => {
    const { table, records, handle } = handler();
    await handle(lambdaEvent(0, [0, 1]));
    // The first batch only creates the record: its basis (absent) was read before the record existed.
    expect(records.items.get('f1#0')).toMatchObject({ incarnation: 'inc-1', appliedThrough: 0n });
    await handle(lambdaEvent(0, [2, 3]));
    expect(table.items.get('k')?.version).toBe(4);
    expect(records.items.get('f1#0')?.appliedThrough).toBe(4n);
  });

  it('claims nothing for a batch the table refused: the invocation fails and the record stays', async () => {
    const { table, records, handle } = handler();
    await handle(lambdaEvent(0, [0, 1]));
    await handle(lambdaEvent(0, [2, 3]));
    table.failNext = 1;
    await expect(handle(lambdaEvent(0, [4, 5]))).rejects.toThrow('store unavailable');
    expect(records.items.get('f1#0')?.appliedThrough).toBe(4n);
  });

  it('writes no record with REPLOG_CONFIRM_FROM=committed-offset', async () => {
    const { records, handle } = handler(false);
    await handle(lambdaEvent(0, [0, 1]));
    await handle(lambdaEvent(0, [2, 3]));
    expect(records.items.size).toBe(0);
  });

  it('a record write that fails fails nothing: the committed offset still confirms the batch', async () => {
    const { table, records, handle } = handler();
    await handle(lambdaEvent(0, [0, 1]));
    records.extendApplied = async () => {
      throw new Error('throttled');
    };
    await expect(handle(lambdaEvent(0, [2, 3]))).resolves.toMatchObject({ applied: 1 });
    expect(table.items.get('k')?.version).toBe(4);
  });
});
