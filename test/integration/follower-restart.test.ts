import { Kafka, logLevel } from 'kafkajs';
import { decodeChangeEvent } from '../../src/core/change-event';
import { eventually } from '../support/eventually';
import { ReplicationCluster } from '../support/replication-cluster';

describe('follower processes and the log', () => {
  let c: ReplicationCluster;

  beforeAll(async () => {
    c = await ReplicationCluster.start('restart', { REPLOG_ACK_MODE: 'async' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('given a follower killed with SIGKILL and restarted, it resumes from its committed offset and converges', async () => {
    for (let i = 0; i < 30; i++) await c.api('PUT', `/items/r-${i % 10}`, { i });
    const group = c.runtime.config.groupId('follower-2');
    await eventually(async () => (await c.followerItem('follower-2', 'r-9'))?.version === 3, { what: 'follower-2 to catch up' });
    await c.kill('follower-2', 'SIGKILL');

    const committedAtKill = (await c.runtime.admin.committedOffsets([group])).get(group);
    expect([...(committedAtKill?.values() ?? [])].reduce((a, b) => a + b, 0n)).toBeGreaterThan(0n);
    for (let i = 30; i < 60; i++) await c.api('PUT', `/items/r-${i % 10}`, { i });
    expect((await c.followerItem('follower-2', 'r-9'))?.version).toBe(3);

    await c.startFollower('follower-2');
    for (let k = 0; k < 10; k++) {
      const leader = await c.api<{ version: number; value: unknown }>('GET', `/items/r-${k}`);
      await eventually(async () => (await c.followerItem('follower-2', `r-${k}`))?.version === leader.body.version, {
        what: `r-${k} on the restarted follower`,
      });
      expect(JSON.parse((await c.followerItem('follower-2', `r-${k}`))?.doc as string)).toEqual(leader.body.value);
    }
    // It went on from where it had committed: the group's offsets only moved forward.
    const after = (await c.runtime.admin.committedOffsets([group])).get(group);
    for (const [p, o] of committedAtKill ?? []) expect(after?.get(p) ?? 0n).toBeGreaterThanOrEqual(o);
  });

  it('given sequential writes, a plain Kafka client sees keyed JSON events with rising versions per key', async () => {
    for (let i = 0; i < 20; i++) await c.api('PUT', `/items/plain-${i % 4}`, { i });
    await c.api('DELETE', '/items/plain-0');
    const kafka = new Kafka({ brokers: c.t.stack.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${c.t.names.groupPrefix}-plain-reader` });
    const seen = new Map<string, number[]>();
    let count = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: c.t.names.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        const event = decodeChangeEvent(message.value?.toString() ?? '', key);
        if (!key.startsWith('plain-')) return;
        seen.set(key, [...(seen.get(key) ?? []), event.version]);
        count += 1;
      },
    });
    await eventually(() => count >= 21, { what: 'all plain-* events' });
    await consumer.disconnect();
    for (const [key, versions] of seen) {
      expect({ key, versions }).toEqual({ key, versions: [...versions].sort((a, b) => a - b) });
    }
    expect(seen.get('plain-0')).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
