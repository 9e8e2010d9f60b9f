import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { runRelay } from '../../src/functions/relay';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The relay against the real leader table (its sparse `outbox` index) and the real broker: writes
 * committed without ever being published reach every follower once the relay runs, deletes included.
 */
describe('outbox relay', () => {
  let t: TestStack;
  const followers = ['follower-1', 'follower-2'];

  beforeAll(async () => {
    t = await startTestStack('relay', {
      env: { REPLOG_FOLLOWERS: followers.join(','), REPLOG_ACK_MODE: 'async', REPLOG_RELAY_GRACE_MS: '3600000' },
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const item = async (table: string, key: string) =>
    (await t.stack.runtime.documentClient.send(new GetCommand({ TableName: table, Key: { pk: key }, ConsistentRead: true }))).Item;

  it('given commits whose leader died before publishing, the relay publishes them and clears their marks', async () => {
    const rt = t.stack.runtime;
    // What a leader killed between commit and produce leaves behind: committed, marked, not in the log.
    const now = Date.now();
    await rt.leader.commit({ key: 'orphan-put', op: 'put', value: { n: 1 }, writeId: 'w-1', now, term: 1 });
    await rt.leader.commit({ key: 'orphan-del', op: 'put', value: { n: 1 }, writeId: 'w-2', now, term: 1 });
    await rt.leader.commit({ key: 'orphan-del', op: 'delete', value: null, writeId: 'w-3', now, term: 1 });
    // A published write, for contrast: its mark is cleared off the request path.
    expect((await t.api('PUT', '/items/published', { ok: true })).status).toBe(200);
    await eventually(async () => (await item(rt.config.tables.leader, 'published'))?.outboxAt === undefined, { what: 'the published mark to clear' });

    const young = await runRelay(rt, { graceMs: 60_000 });
    expect(young).toMatchObject({ found: 0, republished: 0 });

    const report = await runRelay(rt, { graceMs: 0 });
    expect(report).toMatchObject({ found: 2, republished: 2, cleared: 2, failed: 0 });
    for (const id of followers) {
      const table = rt.config.tables.follower(id);
      await eventually(async () => (await item(table, 'orphan-put'))?.version === 1, { what: `orphan-put on ${id}` });
      await eventually(async () => (await item(table, 'orphan-del'))?.deleted === true, { what: `orphan-del tombstone on ${id}` });
      expect((await item(table, 'orphan-del'))?.version).toBe(2);
      expect(JSON.parse((await item(table, 'orphan-put'))?.doc as string)).toEqual({ n: 1 });
    }
    expect((await item(rt.config.tables.leader, 'orphan-put'))?.outboxAt).toBeUndefined();
    expect(await runRelay(rt, { graceMs: 0 })).toMatchObject({ found: 0 });
  });
});

/**
 * A burst from more clients than the publish records' backlog allows: writes wait for room before
 * they commit (Server-Timing `backlog`), every mark is cleared by its own record, and the relay,
 * running every 200 ms meanwhile, finds nothing to republish: the log holds one record per write.
 */
describe('outbox marks under a burst', () => {
  let t: TestStack;
  const WRITES = 300;
  const CLIENTS = 24;
  const BACKLOG = 4;

  beforeAll(async () => {
    t = await startTestStack('burst', {
      env: { REPLOG_FOLLOWERS: 'follower-1', REPLOG_ACK_MODE: 'async', REPLOG_PUBLISH_RECORD_BACKLOG: String(BACKLOG), REPLOG_RELAY_INTERVAL_MS: '200' },
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('given more writes in flight than the backlog allows, they wait for room, every mark clears and nothing is republished', async () => {
    const rt = t.stack.runtime;
    const ordered = rt.orderedFor(rt.config.replicas.firstLeader);
    let mostPending = 0;
    const sampler = setInterval(() => {
      mostPending = Math.max(mostPending, ordered.pendingRecords);
    }, 1);
    let next = 0;
    let waitedForRoom = 0;
    const statuses: number[] = [];
    try {
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < WRITES) {
            const n = next++;
            const res = await t.api('PUT', `/items/burst-${n}`, { n });
            statuses.push(res.status);
            if (/(^|,\s*)backlog;dur=/.test(res.headers.get('server-timing') ?? '')) waitedForRoom += 1;
          }
        }),
      );
    } finally {
      clearInterval(sampler);
    }

    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(waitedForRoom).toBeGreaterThan(0);
    // Admitted writes past the wait may still add their record: the backlog plus the clients.
    expect(mostPending).toBeLessThanOrEqual(BACKLOG + CLIENTS);
    const index = rt.outboxIndexOf(rt.config.replicas.firstLeader);
    await eventually(async () => (await index.countMarks()) === 0, { what: 'every outbox mark to clear' });
    const { high } = await rt.admin.endOffsets();
    expect([...high.values()].reduce((a, b) => a + Number(b), 0)).toBe(WRITES);
  });
});
