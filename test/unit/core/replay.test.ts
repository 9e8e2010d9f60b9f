import { initialControlState } from '../../../src/core/control-state';
import { ConflictError, NotFoundError, ValidationError } from '../../../src/core/errors';
import { type ReplayOptions, runReplay } from '../../../src/core/replay';
import { changeEvent } from '../../support/event-fixtures';
import { FakeReplicationAdmin } from '../../support/fake-replication-admin';
import { silentLog } from '../../support/in-memory-stores';
import { InMemoryReplayJournal, InMemoryReplayLog, InMemoryReplaySink } from '../../support/in-memory-replay';

const GROUP = 'g-f2';

function given(followers = [{ id: 'f1', delayMs: 0 }, { id: 'f2', delayMs: 0 }]) {
  const trace: string[] = [];
  const admin = new FakeReplicationAdmin();
  const log = new InMemoryReplayLog(admin, GROUP, trace);
  const sink = new InMemoryReplaySink(trace);
  const journal = new InMemoryReplayJournal();
  let now = 1_000_000;
  const state = initialControlState(followers, 'f1', 0);
  const deps = (owner = 'me') => ({
    admin,
    reader: log,
    sink,
    journal,
    control: async () => state,
    groupId: GROUP,
    owner,
    log: silentLog,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  });
  const options = (extra: Partial<ReplayOptions> = {}): ReplayOptions => ({
    followerId: 'f2',
    from: { kind: 'earliest' },
    rebuild: true,
    checkpointEveryMs: 0,
    ...extra,
  });
  return { trace, admin, log, sink, journal, deps, options, state, advance: (ms: number) => (now += ms) };
}

/** Three partitions of history: keys a..f, several versions each, deletes included. */
function history(log: InMemoryReplayLog) {
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  for (let version = 1; version <= 4; version++) {
    keys.forEach((key, i) => {
      const del = version === 3 && i % 2 === 0;
      log.append(i % 3, changeEvent({ key, version, op: del ? 'delete' : 'put', value: del ? null : { key, version } }));
    });
  }
}

describe('replay', () => {
  it('given a rebuild, forgets the applied records before and after recreating the table and at the hand-over, and not on a catch-up', async () => {
    const g = given();
    history(g.log);
    const forgetApplied = async (partitions: readonly number[]) => {
      g.trace.push(`forget ${[...partitions].sort().join(',')}`);
    };
    await runReplay({ ...g.deps(), forgetApplied }, g.options());
    expect(g.trace.slice(0, 5)).toEqual(['join', 'commit 0:0 1:0 2:0', 'forget 0,1,2', 'recreate', 'forget 0,1,2']);
    expect(g.trace.filter((t) => t.startsWith('forget'))).toHaveLength(3);
    expect(g.trace.slice(-2)).toEqual(['forget 0,1,2', 'leave']);

    const c = given();
    history(c.log);
    const forgotten: number[][] = [];
    await runReplay({ ...c.deps(), forgetApplied: async (p) => void forgotten.push([...p]) }, c.options({ rebuild: false }));
    expect(forgotten).toEqual([]);
  });

  it('given a rebuild, moves the group to the start before recreating the table, then hands over at the log end', async () => {
    const g = given();
    history(g.log);
    g.admin.commit(GROUP, 0, 8n); // the old table's position, about to become untrue
    const summary = await runReplay(g.deps(), g.options());
    expect(g.trace.slice(0, 3)).toEqual(['join', 'commit 0:0 1:0 2:0', 'recreate']);
    expect(summary).toMatchObject({ completed: true, resumed: false, mode: 'rebuild', handedOverAt: { '0': '8', '1': '8', '2': '8' } });
    expect(summary.counts).toMatchObject({ records: 24, poison: 0 });
    expect((await g.admin.committedOffsets([GROUP])).get(GROUP)).toEqual(new Map([[0, 8n], [1, 8n], [2, 8n]]));
    expect([...g.sink.items].map(([k, v]) => `${k}@${v.version}${v.deleted ? 'x' : ''}`).sort()).toEqual(['a@4', 'b@4', 'c@4', 'd@4', 'e@4', 'f@4']);
    expect(g.journal.entries.size).toBe(0);
    expect(g.trace.at(-1)).toBe('leave');
  });

  it('given a rebuild, books its time by phase, the phases adding up to the whole run', async () => {
    const g = given();
    history(g.log);
    const d = g.deps();
    const slow = (ms: number, f: () => Promise<void>) => async () => {
      g.advance(ms);
      await f();
    };
    const reader = { ...g.log, join: slow(300, () => g.log.join()), leave: slow(20, () => g.log.leave()), read: g.log.read.bind(g.log), commit: g.log.commit.bind(g.log) };
    const sink = { ...g.sink, recreate: slow(700, () => g.sink.recreate()), putAll: g.sink.putAll.bind(g.sink), applyNewest: g.sink.applyNewest.bind(g.sink), versions: g.sink.versions.bind(g.sink) };
    const summary = await runReplay({ ...d, reader, sink } as typeof d, g.options());
    expect(summary.phasesMs).toMatchObject({ join: 300, table: 700, finish: 20 });
    const total = Object.values(summary.phasesMs).reduce((a, b) => a + b, 0);
    expect(total).toBe(summary.durationMs);
  });

  it('given an older version after a newer one in the log, a rebuild never writes it over the newer one', async () => {
    const g = given();
    g.log.chunkSize = 1;
    g.log.append(0, changeEvent({ key: 'a', version: 5, value: { n: 5 } }));
    g.log.append(0, changeEvent({ key: 'a', version: 4, value: { n: 4 } }));
    await runReplay(g.deps(), g.options());
    expect(g.sink.items.get('a')).toMatchObject({ version: 5, value: { n: 5 } });
  });

  it('given a replay interrupted after a checkpoint, a rerun resumes from the committed offsets without recreating the table', async () => {
    const g = given();
    history(g.log);
    const controller = new AbortController();
    const first = await runReplay(g.deps('run-1'), g.options({ signal: controller.signal, onProgress: (p) => p.done >= 6 && controller.abort() }));
    expect(first.completed).toBe(false);
    const entry = g.journal.entries.get('f2');
    expect(entry).toMatchObject({ phase: 'replaying', heartbeatAt: 0, mode: 'rebuild' });
    const checkpoint = (await g.admin.committedOffsets([GROUP])).get(GROUP);
    expect([...(checkpoint?.values() ?? [])].reduce((a, b) => a + b, 0n)).toBeGreaterThanOrEqual(6n);

    const second = await runReplay(g.deps('run-2'), g.options());
    expect(second).toMatchObject({ completed: true, resumed: true });
    expect(second.starts).toEqual(Object.fromEntries([...(checkpoint ?? [])].map(([p, o]) => [String(p), o.toString()])));
    expect(g.sink.recreated).toBe(1);
    expect(first.counts.records + second.counts.records).toBe(24);
    expect([...g.sink.items.values()].every((v) => v.version === 4)).toBe(true);
    expect(g.journal.entries.size).toBe(0);
  });

  it('given another run holding a fresh lease, refuses; once that lease is stale, takes over and resumes', async () => {
    const g = given();
    history(g.log);
    const controller = new AbortController();
    await runReplay(g.deps('crashed'), g.options({ signal: controller.signal, onProgress: (p) => p.done >= 3 && controller.abort() }));
    const crashed = g.journal.entries.get('f2');
    if (!crashed) throw new Error('no journal');
    crashed.heartbeatAt = 1_000_000; // as if it died without letting go
    await expect(runReplay(g.deps('other'), g.options())).rejects.toThrow(/already running \(crashed/);
    g.advance(60_000);
    await expect(runReplay(g.deps('other'), g.options())).resolves.toMatchObject({ completed: true, resumed: true });
  });

  it('given the sync follower, refuses to rebuild it', async () => {
    const g = given();
    await expect(runReplay(g.deps(), g.options({ followerId: 'f1' }))).rejects.toThrow(/f1 is the sync follower/);
  });

  it('given a rebuild from a position other than earliest, refuses it', async () => {
    const g = given();
    await expect(runReplay(g.deps(), g.options({ from: { kind: 'offset', offset: 3n } }))).rejects.toBeInstanceOf(ValidationError);
    expect(g.journal.entries.size).toBe(0);
  });

  it('given --restart with options that are refused, keeps the interrupted replay: a refusal changes nothing', async () => {
    const g = given();
    history(g.log);
    const controller = new AbortController();
    await runReplay(g.deps('run-1'), g.options({ signal: controller.signal, onProgress: (p) => p.done >= 3 && controller.abort() }));
    const interrupted = structuredClone(g.journal.entries.get('f2'));
    expect(interrupted).toMatchObject({ mode: 'rebuild' });
    await expect(runReplay(g.deps('run-2'), g.options({ restart: true, from: { kind: 'offset', offset: 3n } }))).rejects.toBeInstanceOf(ValidationError);
    g.state.syncFollower = 'f2';
    await expect(runReplay(g.deps('run-2'), g.options({ restart: true }))).rejects.toBeInstanceOf(ConflictError);
    expect(g.journal.entries.get('f2')).toEqual(interrupted);
    g.state.syncFollower = 'f1';
    await expect(runReplay(g.deps('run-2'), g.options({ restart: true }))).resolves.toMatchObject({ completed: true, resumed: false });
  });

  it('given an unknown follower, refuses unless it is being added', async () => {
    const g = given();
    await expect(runReplay(g.deps(), g.options({ followerId: 'f9' }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(runReplay(g.deps(), g.options({ followerId: 'f9', unregistered: true }))).resolves.toMatchObject({ completed: true });
  });

  it('given a live consumer that never leaves the group, gives up with a conflict and lets go of the lease', async () => {
    const g = given();
    history(g.log);
    g.admin.members.set(GROUP, 1);
    const notices: string[] = [];
    await expect(runReplay(g.deps(), g.options({ idleWaitMs: 5000, onNotice: (m) => notices.push(m) }))).rejects.toBeInstanceOf(ConflictError);
    expect(notices[0]).toMatch(/waiting for f2's live consumer/);
    expect(g.journal.entries.size).toBe(0);
    expect(g.sink.recreated).toBe(0);
  });

  it('given a catch-up, writes conditionally into the table it has and never recreates it', async () => {
    const g = given();
    history(g.log);
    await g.sink.putAll([changeEvent({ key: 'a', version: 9, value: { newer: true } })]);
    const summary = await runReplay(g.deps(), g.options({ rebuild: false }));
    expect(summary.mode).toBe('catch-up');
    expect(g.sink.recreated).toBe(0);
    expect(g.sink.conditionalWrites).toBeGreaterThan(0);
    expect(g.sink.items.get('a')).toMatchObject({ version: 9, value: { newer: true } });
  });

  it('given a delayed follower, replays only what is older than its delay', async () => {
    const g = given([{ id: 'f1', delayMs: 0 }, { id: 'f2', delayMs: 60_000 }]);
    history(g.log);
    for (const p of [0, 1, 2]) g.admin.firstRecent.set(p, 4n);
    const summary = await runReplay(g.deps(), g.options());
    expect(summary.handedOverAt).toEqual({ '0': '4', '1': '4', '2': '4' });
    expect(summary.counts.records).toBe(12);
  });

  it('given undecodable records, counts and skips them without stopping', async () => {
    const g = given();
    g.log.append(0, '{not json');
    g.log.append(0, changeEvent({ key: 'a', version: 1 }));
    const summary = await runReplay(g.deps(), g.options());
    expect(summary.counts).toMatchObject({ records: 2, poison: 1, written: 1 });
  });

  it('given a record whose key bytes are not UTF-8, skips it as poison as the live followers do, whatever its value says', async () => {
    const g = given();
    g.log.appendRecord(0, { key: null, rawKey: Uint8Array.of(0x61, 0xff), value: JSON.stringify(changeEvent({ key: 'a', version: 1 })) });
    g.log.appendRecord(0, { key: 'b', value: null, rawValue: Uint8Array.of(0xc3, 0x28) });
    g.log.append(0, changeEvent({ key: 'c', version: 1 }));
    const summary = await runReplay(g.deps(), g.options());
    expect(summary.counts).toMatchObject({ records: 3, poison: 2, written: 1 });
    expect([...g.sink.items.keys()]).toEqual(['c']);
  });

  it('given --max-rate, paces the records however large the chunks, and stops mid-chunk when interrupted', async () => {
    const g = given();
    history(g.log);
    g.log.chunkSize = 100;
    const paced = await runReplay(g.deps(), g.options({ maxRatePerSec: 10 }));
    expect(paced.counts.records).toBe(24);
    expect(paced.durationMs).toBeGreaterThanOrEqual(2300);

    const h = given();
    history(h.log);
    h.log.chunkSize = 100;
    const controller = new AbortController();
    const stopped = await runReplay(h.deps(), h.options({ maxRatePerSec: 10, signal: controller.signal, onProgress: (p) => p.counts.records >= 3 && controller.abort() }));
    expect(stopped.completed).toBe(false);
    expect(stopped.counts.records).toBeLessThan(24);
    const committed = (await h.admin.committedOffsets([GROUP])).get(GROUP);
    expect([...(committed?.values() ?? [])].reduce((a, b) => a + b, 0n)).toBe(BigInt(stopped.counts.records));
  });
});
