import { parseAckMode } from '../../../src/core/ack-mode';
import { initialControlState } from '../../../src/core/control-state';
import { UnavailableError } from '../../../src/core/errors';
import { Instrumentation } from '../../../src/core/instrumentation';
import { OffsetWatcher } from '../../../src/core/offset-watcher';
import type { ReplicationSources } from '../../../src/core/replication-inspector';
import { ReplicationAcknowledger } from '../../../src/core/replication-acknowledger';
import { SyncRoster } from '../../../src/core/sync-roster';
import { createSetSyncFollowerHandler } from '../../../src/functions/http/set-sync-follower';
import type { HttpEvent } from '../../../src/functions/http/http-types';
import { failOver } from '../../../src/functions/leader-failover';
import { switchLeader } from '../../../src/functions/leader-switchover';
import { changeEvent } from '../../support/event-fixtures';
import { FakeReplicationAdmin } from '../../support/fake-replication-admin';
import { InMemoryConsumerStates, InMemoryControlStore, InMemoryProgressStore, silentLog } from '../../support/in-memory-stores';
import { ManualClock } from '../../support/manual-clock';

/**
 * Promotion, failover, switchover and sync designation decide who holds the acknowledged writes:
 * they read replication strictly and act on nothing when a read fails, even when status (which
 * degrades) would still show the rest. Here f2's group coordinator is down: f1 looks fine, but f2,
 * unread, might be the one that holds every write.
 */
const groupOf = (id: string) => `g-${id}`;
const followers = [
  { id: 'f1', delayMs: 0 },
  { id: 'f2', delayMs: 0 },
];
const coordinatorDown = new UnavailableError('Kafka fetchOffsets failed: COORDINATOR_NOT_AVAILABLE');

function given() {
  const clock = new ManualClock(1_700_000_000_000);
  const admin = new FakeReplicationAdmin();
  for (const p of [0, 1, 2]) admin.high.set(p, 10n);
  for (const f of followers) {
    admin.members.set(groupOf(f.id), 1);
    admin.catchUp(groupOf(f.id));
  }
  admin.failingGroups.set('g-f2', coordinatorDown);
  const control = new InMemoryControlStore();
  control.state = initialControlState(followers, 'f2', clock.now());
  const before = structuredClone(control.state);
  const sources: ReplicationSources = { admin, progress: new InMemoryProgressStore(), heads: admin, consumers: new InMemoryConsumerStates(), groupOf, stallMs: 10_000, now: clock.now };
  const fenceWrites: number[] = [];
  const move = {
    control,
    admin,
    groupOf,
    fences: {
      write: async (fence: { term: number }) => {
        fenceWrites.push(fence.term);
        return { '0': '10', '1': '10', '2': '10' };
      },
    },
    catchUpTimeoutMs: 1000,
    log: silentLog,
    now: clock.now,
    sleep: (ms: number) => clock.sleep(ms),
    replicationSources: sources,
    controlTtlMs: 250,
  };
  return { clock, admin, control, before, sources, move, fenceWrites };
}

describe('strict callers refuse a partial replication snapshot', () => {
  it('failover: elects nobody and begins nothing when one follower’s committed offsets cannot be read', async () => {
    const { move, control, before, fenceWrites } = given();
    const failing = failOver({ ...move, probe: async () => ({ ok: true, at: 0 }), mode: { kind: 'semi-sync' } }, { failedLeader: 'main', term: 1, by: 'test', reason: 'main is down' });
    await expect(failing).rejects.toBe(coordinatorDown);
    expect(control.state).toEqual(before);
    expect(fenceWrites).toEqual([]);
  });

  it('switchover: refuses before writes pause when a follower’s committed offsets cannot be read, even for the follower that was read', async () => {
    const { move, control, before, fenceWrites, clock } = given();
    const switching = clock.run(
      switchLeader(
        { ...move, marksOf: () => ({ marksOlderThan: async () => [] }) as never, relayPass: async () => ({ republished: 0 }) as never, drainTimeoutMs: 1000 },
        { to: 'f1', by: 'test', reason: 'planned' },
      ),
    );
    await expect(switching).rejects.toBe(coordinatorDown);
    expect(control.state).toEqual(before);
    expect(fenceWrites).toEqual([]);
  });

  it('sync designation: answers 503 and designates nobody', async () => {
    const { control, before, sources, clock } = given();
    const roster = new SyncRoster(control, { followers, syncFollower: 'f2' }, silentLog, 0, clock.now);
    const handler = createSetSyncFollowerHandler(() => ({ config: { auth: { apiKey: undefined, readsRequireKey: false } } as never, roster, replicationSources: sources, log: () => silentLog }));
    const event = { rawPath: '/replication/sync-follower', rawQueryString: '', headers: {}, body: '{"followerId":"f1"}', isBase64Encoded: false, requestContext: { requestId: 'r' } } as unknown as HttpEvent;
    const answer = await handler(event);
    expect(answer.statusCode).toBe(503);
    expect(control.state?.syncFollower).toBe(before.syncFollower);
    expect(control.state?.revision).toBe(before.revision);
  });

  it('sync promotion after a timeout: promotes nobody and falls back (degrade) when a follower cannot be read', async () => {
    const { admin, control, sources, clock } = given();
    // The sync follower f2 never confirms (its group unreadable); f1 has, and would have been promoted on a partial view.
    const roster = new SyncRoster(control, { followers, syncFollower: 'f2' }, silentLog, 0, clock.now);
    const instrumentation = new Instrumentation();
    const ack = new ReplicationAcknowledger({
      watcher: new OffsetWatcher({ committedOffsets: (g) => admin.committedOffsets(g.filter((x) => x !== 'g-f2')) }, { pollMs: 1, groupOf }, silentLog, clock),
      roster,
      sources,
      instrumentation,
      policy: { syncTimeoutMs: 150, onSyncTimeout: 'promote', onNoCandidate: 'degrade' },
      log: silentLog,
      now: clock.now,
    });
    const outcome = await clock.run(ack.acknowledge(parseAckMode('semi-sync'), changeEvent({ key: 'k', version: 1 }), { partition: 0, offset: '20' }));
    expect(outcome).toMatchObject({ degraded: true });
    expect(outcome).not.toHaveProperty('promotedTo');
    expect(control.state?.syncFollower).toBe('f2');
    expect(control.state?.promotions).toBe(0);
  });
});
