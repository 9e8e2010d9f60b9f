import { ApplyProgressRecorder } from '../../../src/core/apply-progress-recorder';
import { withBatchProgress } from '../../../src/core/apply-progress';
import { InMemoryProgressStore, silentLog } from '../../support/in-memory-stores';

const T0 = 1_700_000_000_000;

describe('apply progress recorder', () => {
  it('given consecutive batches, when recorded, costs one read at first and then exactly one write per batch', async () => {
    const store = new InMemoryProgressStore();
    const load = jest.spyOn(store, 'loadProgress');
    const recorder = new ApplyProgressRecorder(store, silentLog);
    for (let i = 0; i < 5; i++) {
      await recorder.record('f1', { partition: 0, committedThrough: String(i + 1), finishedAt: T0 + i, lagMs: i });
    }
    expect(load).toHaveBeenCalledTimes(1);
    expect(store.saves).toBe(5);
    expect(store.items.get('f1|0')).toMatchObject({ seq: 5, committedThrough: '5', lastLagMs: 4 });
  });

  it('given another container wrote the partition meanwhile, when recorded, re-reads and keeps both histories', async () => {
    const store = new InMemoryProgressStore();
    const recorder = new ApplyProgressRecorder(store, silentLog);
    await recorder.record('f1', { partition: 0, committedThrough: '1', finishedAt: T0, lagMs: 1 });
    const theirs = withBatchProgress(store.items.get('f1|0'), 'f1', { partition: 0, committedThrough: '9', finishedAt: T0 + 5, lagMs: 9 });
    store.items.set('f1|0', theirs);
    const saved = await recorder.record('f1', { partition: 0, committedThrough: '12', finishedAt: T0 + 10, lagMs: 3 });
    expect(saved).toMatchObject({ seq: 3, committedThrough: '12' });
    expect(saved?.samples.map((s) => s.lagMs)).toEqual([1, 9, 3]);
  });

  it('given the store fails, when recorded, logs and returns without failing the batch', async () => {
    const store = new InMemoryProgressStore();
    store.failSaves = true;
    const warnings: string[] = [];
    const recorder = new ApplyProgressRecorder(store, { ...silentLog, warn: (m: string) => warnings.push(m) });
    await expect(recorder.record('f1', { partition: 0, committedThrough: '1', finishedAt: T0, lagMs: 1 })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    store.failSaves = false;
    await expect(recorder.record('f1', { partition: 0, committedThrough: '2', finishedAt: T0 + 1, lagMs: 1 })).resolves.toMatchObject({ seq: 1 });
  });
});

describe('apply progress recorder with a flush interval', () => {
  it('given a burst of batches, writes the first at once and folds the rest into one trailing write', async () => {
    const store = new InMemoryProgressStore();
    let now = T0;
    const recorder = new ApplyProgressRecorder(store, silentLog, 1000, () => now);
    await expect(recorder.record('f1', { partition: 0, committedThrough: '1', finishedAt: now, lagMs: 5 })).resolves.toMatchObject({ seq: 1 });
    for (let i = 2; i <= 10; i++) {
      now += 10;
      await expect(recorder.record('f1', { partition: 0, committedThrough: String(i), finishedAt: now, lagMs: i })).resolves.toBeUndefined();
    }
    expect(store.saves).toBe(1);
    await recorder.flushAll();
    expect(store.saves).toBe(2);
    const item = store.items.get('f1|0');
    expect(item).toMatchObject({ seq: 2, committedThrough: '10', lastLagMs: 10, lastProgressAt: T0 + 90 });
    expect(item?.samples.map((s) => s.lagMs)).toEqual([5, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('given time passes, the trailing write happens by itself', async () => {
    const store = new InMemoryProgressStore();
    const recorder = new ApplyProgressRecorder(store, silentLog, 30);
    await recorder.record('f1', { partition: 1, committedThrough: '1', finishedAt: T0, lagMs: 1 });
    await recorder.record('f1', { partition: 1, committedThrough: '2', finishedAt: T0 + 1, lagMs: 2 });
    expect(store.saves).toBe(1);
    const deadline = Date.now() + 2000;
    while (store.saves < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(store.items.get('f1|1')).toMatchObject({ seq: 2, committedThrough: '2' });
  });
});
