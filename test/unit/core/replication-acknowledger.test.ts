import { parseAckMode } from '../../../src/core/ack-mode';
import { Instrumentation } from '../../../src/core/instrumentation';
import { OffsetWatcher } from '../../../src/core/offset-watcher';
import { type AckPolicy, PROMOTION_READ_MIN_MS, ReplicationAcknowledger } from '../../../src/core/replication-acknowledger';
import { ReplicationTimeoutError } from '../../../src/core/write-failures';
import { ReplicationCounters } from '../../../src/core/replication-counters';
import { SyncRoster } from '../../../src/core/sync-roster';
import { changeEvent } from '../../support/event-fixtures';
import { FakeReplicationAdmin } from '../../support/fake-replication-admin';
import { InMemoryConsumerStates, InMemoryControlStore, InMemoryProgressStore, silentLog } from '../../support/in-memory-stores';
import { ManualClock } from '../../support/manual-clock';

const groupOf = (id: string) => `g-${id}`;
const followers = ['f1', 'f2', 'f3'].map((id) => ({ id, delayMs: 0 }));

/** The event at offset 4 of partition 0: followers confirm it by committing 5. */
const event = changeEvent({ key: 'k', version: 3 });
const position = { partition: 0, offset: '4' };

/** The acknowledger and its watcher in virtual time: its 150 ms deadline costs no real time. */
function given(policy: Partial<AckPolicy> = {}, shared?: { admin: FakeReplicationAdmin; store: InMemoryControlStore; clock: ManualClock }) {
  const admin = shared?.admin ?? new FakeReplicationAdmin();
  const store = shared?.store ?? new InMemoryControlStore();
  const clock = shared?.clock ?? new ManualClock();
  const instrumentation = new Instrumentation();
  const counters = new ReplicationCounters();
  counters.listen(instrumentation);
  const roster = new SyncRoster(store, { followers, syncFollower: 'f1' }, silentLog, 0, clock.now);
  const watcher = new OffsetWatcher(admin, { pollMs: 1, groupOf }, silentLog, clock);
  const ack = new ReplicationAcknowledger({
    watcher,
    roster,
    sources: { admin, progress: new InMemoryProgressStore(), heads: admin, consumers: new InMemoryConsumerStates(), groupOf, stallMs: 10_000, now: clock.now },
    instrumentation,
    policy: { syncTimeoutMs: 150, onSyncTimeout: 'promote', onNoCandidate: 'degrade', ...policy },
    log: silentLog,
    now: clock.now,
  });
  for (const f of followers) admin.members.set(groupOf(f.id), 1);
  const acknowledge = (mode: string) => clock.run(ack.acknowledge(parseAckMode(mode), event, position));
  return { admin, store, counters, roster, ack, clock, acknowledge };
}

describe('replication acknowledger', () => {
  it('given async, acknowledges at once with nobody confirming', async () => {
    const { ack, admin } = given();
    await expect(ack.acknowledge(parseAckMode('async'), event, position)).resolves.toEqual({
      mode: 'async',
      confirmedBy: [],
      waitedMs: 0,
      degraded: false,
    });
    expect(admin.offsetCalls).toBe(0);
  });

  it('given semi-sync, acknowledges once the sync follower has committed past the event', async () => {
    const { acknowledge, admin, counters, clock } = given();
    admin.commit('g-f2', 0, 5n);
    clock.at(20, () => admin.commit('g-f1', 0, 5n));
    const outcome = await acknowledge('semi-sync');
    expect(outcome).toMatchObject({ mode: 'semi-sync', confirmedBy: ['f1'], degraded: false });
    expect(counters.snapshot().acks['semi-sync']).toBe(1);
  });

  it('given the sync follower is dead, promotes the most caught-up healthy follower and waits for it', async () => {
    const { acknowledge, admin, store, counters, clock } = given();
    admin.high.set(0, 5n);
    admin.members.set('g-f1', 0);
    admin.commit('g-f2', 0, 3n);
    admin.commit('g-f3', 0, 4n);
    clock.at(250, () => admin.commit('g-f3', 0, 5n));
    const outcome = await acknowledge('semi-sync');
    expect(outcome).toMatchObject({ confirmedBy: ['f3'], promotedTo: 'f3', degraded: false });
    expect(store.state).toMatchObject({ syncFollower: 'f3', revision: 2, promotions: 1 });
    expect(store.state?.history[0]).toMatchObject({ from: 'f1', to: 'f3', kind: 'promotion' });
    expect(counters.snapshot()).toMatchObject({ syncTimeouts: 1, promotions: 1 });
  });

  it('given every follower is stopped and promote finds no candidate, degrades honestly', async () => {
    const { acknowledge, admin, clock } = given({ onNoCandidate: 'degrade' });
    for (const f of followers) admin.members.set(groupOf(f.id), 0);
    const started = clock.now();
    const outcome = await acknowledge('semi-sync');
    expect(outcome).toMatchObject({ mode: 'semi-sync', confirmedBy: [], degraded: true });
    expect(clock.now() - started).toBeLessThan(1000);
  });

  it('given a log that does not answer the promotion read (brokers frozen), the write still answers after the sync wait plus the bound of the promotion read, degraded', async () => {
    const { ack, admin, clock } = given({ onNoCandidate: 'degrade' });
    admin.endOffsets = () => new Promise(() => undefined);
    const started = Date.now();
    // The sync wait runs in virtual time; the promotion read's bound (the sync timeout) in real time.
    const pending = ack.acknowledge(parseAckMode('semi-sync'), event, position);
    await clock.advance(1000);
    const outcome = await pending;
    expect(outcome).toMatchObject({ mode: 'semi-sync', confirmedBy: [], degraded: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(PROMOTION_READ_MIN_MS - 50);
    expect(Date.now() - started).toBeLessThan(PROMOTION_READ_MIN_MS + 1000);
  });

  it('given every follower is stopped and the fallback is fail, answers 504 with key, version and position', async () => {
    const { acknowledge, admin } = given({ onNoCandidate: 'fail' });
    for (const f of followers) admin.members.set(groupOf(f.id), 0);
    const failure = acknowledge('semi-sync');
    await expect(failure).rejects.toBeInstanceOf(ReplicationTimeoutError);
    await expect(failure).rejects.toMatchObject({
      status: 504,
      details: { key: 'k', version: 3, position, committedOnLeader: true },
    });
  });

  it('given the degrade policy, acks as async with degraded=true instead of promoting', async () => {
    const { acknowledge, store } = given({ onSyncTimeout: 'degrade' });
    const outcome = await acknowledge('semi-sync');
    expect(outcome).toMatchObject({ degraded: true, confirmedBy: [] });
    expect(store.state?.syncFollower).toBe('f1');
  });

  it('given the fail policy, answers 504 without promoting', async () => {
    const { acknowledge, store } = given({ onSyncTimeout: 'fail' });
    await expect(acknowledge('semi-sync')).rejects.toMatchObject({ status: 504 });
    expect(store.state?.syncFollower).toBe('f1');
  });

  it('given sync, waits for every follower', async () => {
    const { acknowledge, admin, clock } = given();
    admin.commit('g-f1', 0, 5n);
    admin.commit('g-f2', 0, 5n);
    clock.at(30, () => admin.commit('g-f3', 0, 5n));
    const outcome = await acknowledge('sync');
    expect(outcome.confirmedBy.sort()).toEqual(['f1', 'f2', 'f3']);
    expect(outcome.waitedMs).toBeGreaterThanOrEqual(25);
  });

  it('given quorum:2 with one follower stopped, still acknowledges', async () => {
    const { acknowledge, admin } = given();
    admin.commit('g-f1', 0, 5n);
    admin.commit('g-f3', 0, 5n);
    const outcome = await acknowledge('quorum:2');
    expect(outcome).toMatchObject({ degraded: false });
    expect(outcome.confirmedBy.sort()).toEqual(['f1', 'f3']);
  });

  it('given quorum:2 with two followers stopped, times out into the fallback', async () => {
    const { acknowledge, admin } = given({ onNoCandidate: 'fail' });
    admin.commit('g-f1', 0, 5n);
    await expect(acknowledge('quorum:2')).rejects.toMatchObject({
      status: 504,
      details: { ack: { confirmedBy: ['f1'] } },
    });
  });

  it('given a committed write whose quorum outgrew the roster after admission, never answers 4xx: the no-candidate policy does', async () => {
    const degrading = given();
    await expect(degrading.acknowledge('quorum:4')).resolves.toMatchObject({
      mode: 'quorum:4',
      confirmedBy: [],
      degraded: true,
    });
    const failing = given({ onNoCandidate: 'fail' });
    await expect(failing.acknowledge('quorum:4')).rejects.toMatchObject({
      status: 504,
      details: { key: 'k', version: 3, committedOnLeader: true, published: true },
    });
  });

  it('given sync and no follower that can confirm, does not call it confirmed by nobody: the no-candidate policy answers', async () => {
    const { acknowledge, store } = given();
    await acknowledge('async');
    store.state = { ...(store.state as NonNullable<typeof store.state>), followers: followers.map((f, i) => ({ ...f, priority: i, delayMs: 60_000 })), syncFollower: null };
    await expect(acknowledge('sync')).resolves.toMatchObject({ degraded: true, confirmedBy: [] });
  });

  it('given the control state cannot be read after the commit, answers 503 with the committed facts, and 500 for a programming error', async () => {
    const { acknowledge, store } = given();
    store.load = async () => Promise.reject(new Error('control table unavailable'));
    await expect(acknowledge('sync')).rejects.toMatchObject({
      status: 503,
      retriable: true,
      details: { key: 'k', version: 3, position, committedOnLeader: true, published: true },
    });
    store.load = async () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'followers')"));
    await expect(acknowledge('sync')).rejects.toMatchObject({
      status: 500,
      code: 'INTERNAL',
      retriable: false,
      details: { committedOnLeader: true },
    });
  });

  it('given two leaders promote at once, exactly one promotion wins and both adopt it', async () => {
    const admin = new FakeReplicationAdmin();
    const store = new InMemoryControlStore();
    const clock = new ManualClock();
    const a = given({}, { admin, store, clock });
    const b = given({}, { admin, store, clock });
    admin.members.set('g-f1', 0);
    admin.high.set(0, 5n);
    admin.catchUp('g-f2');
    admin.catchUp('g-f3');
    const [ra, rb] = await clock.run(
      Promise.all([a.ack.acknowledge(parseAckMode('semi-sync'), event, position), b.ack.acknowledge(parseAckMode('semi-sync'), event, position)]),
    );
    expect(store.state).toMatchObject({ syncFollower: 'f2', promotions: 1, revision: 2 });
    expect(ra.confirmedBy).toEqual(['f2']);
    expect(rb.confirmedBy).toEqual(['f2']);
    expect(a.counters.promotions + b.counters.promotions).toBe(1);
  });
});
