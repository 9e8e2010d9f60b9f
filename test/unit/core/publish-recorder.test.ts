import type { RecordOutcome } from '../../../src/core/ports';
import { type PendingRecord, PublishRecorder } from '../../../src/core/publish-recorder';

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A store whose record writes answer only when the test says so, counting how many run at once. */
function heldStore() {
  const waiting: Array<() => void> = [];
  let running = 0;
  let most = 0;
  const settled: string[] = [];
  const record = (r: PendingRecord): Promise<RecordOutcome> => {
    running += 1;
    most = Math.max(most, running);
    return new Promise((resolve) =>
      waiting.push(() => {
        running -= 1;
        settled.push(`${r.key}@${r.version}`);
        resolve({ kind: 'cleared' });
      }),
    );
  };
  const answer = async (n: number) => {
    for (let i = 0; i < n && waiting.length > 0; i++) (waiting.shift() as () => void)();
    await flush();
  };
  return { record, answer, running: () => running, most: () => most, settled };
}

const pending = (key: string, version = 1): PendingRecord => ({ key, version, lease: { id: `w-${key}-${version}`, at: 0 }, position: { partition: 0, offset: String(version) } });

describe('publish records keep pace with the commits', () => {
  it('given a short backlog, runs the base number of records at once', async () => {
    const store = heldStore();
    const recorder = new PublishRecorder({ record: store.record, onSettled: () => undefined }, { concurrency: 4, maxConcurrency: 32, backlogLimit: 1000 });
    for (let i = 0; i < 10; i++) recorder.enqueue(pending(`k${i}`));

    expect(store.running()).toBe(4);
    while (recorder.size > 0) {
      await store.answer(10);
      expect(store.running()).toBeLessThanOrEqual(4);
    }
    expect(store.settled).toHaveLength(10);
  });

  it('given a backlog that grows, runs more records at once, never more than the most allowed', async () => {
    const store = heldStore();
    const recorder = new PublishRecorder({ record: store.record, onSettled: () => undefined }, { concurrency: 4, maxConcurrency: 32, backlogLimit: 10_000 });
    for (let i = 0; i < 200; i++) recorder.enqueue(pending(`k${i}`));
    // One in flight per 8 still waiting: (200 - 23) / 8, rounded up, is 23.
    expect(store.running()).toBe(23);
    for (let i = 200; i < 2000; i++) recorder.enqueue(pending(`k${i}`));
    expect(store.running()).toBe(32);

    while (store.settled.length < 2000) await store.answer(50);
    expect(store.most()).toBe(32);
    expect(recorder.size).toBe(0);
  });

  it('given a full backlog, makes new writes wait for room and lets them on in arrival order as records end', async () => {
    const store = heldStore();
    const recorder = new PublishRecorder({ record: store.record, onSettled: () => undefined }, { concurrency: 2, maxConcurrency: 2, backlogLimit: 5 });
    for (let i = 0; i < 5; i++) recorder.enqueue(pending(`k${i}`));
    expect(recorder.full).toBe(true);
    const admitted: number[] = [];
    const writers = [0, 1, 2].map((n) => recorder.room().then(() => admitted.push(n)));
    await flush();
    expect(admitted).toEqual([]);

    await store.answer(1);
    expect(admitted).toEqual([0]);
    await store.answer(2);
    expect(admitted).toEqual([0, 1, 2]);
    await Promise.all(writers);
    expect(recorder.full).toBe(false);
    await expect(recorder.room()).resolves.toBeUndefined();
  });

  it('given a newer version of a key queued behind an older one, records the newer only and settles the older unrecorded', async () => {
    const store = heldStore();
    const unrecorded: string[] = [];
    const recorder = new PublishRecorder(
      { record: store.record, onSettled: (r, outcome) => (outcome === undefined ? unrecorded.push(`${r.key}@${r.version}`) : undefined) },
      { concurrency: 1, maxConcurrency: 1, backlogLimit: 100 },
    );
    recorder.enqueue(pending('busy'));
    recorder.enqueue(pending('k', 1));
    recorder.enqueue(pending('k', 2));
    while (recorder.size > 0) await store.answer(1);

    expect(store.settled).toEqual(['busy@1', 'k@2']);
    expect(unrecorded).toEqual(['k@1']);
  });
});
