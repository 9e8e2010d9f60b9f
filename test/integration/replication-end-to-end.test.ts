import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { createFollowerHandler } from '../../src/functions/follower-apply';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The walking skeleton, end to end on the real broker and dynalite: HTTP → leader table → Kafka →
 * every follower table, with the edge cases that make replication trustworthy.
 */
describe('replication end to end', () => {
  let t: TestStack;
  const followers = ['follower-1', 'follower-2', 'follower-3'];

  beforeAll(async () => {
    t = await startTestStack('e2e', { env: { REPLOG_ACK_MODE: 'async' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const followerItem = async (id: string, key: string) =>
    (await t.stack.runtime.documentClient.send(
      new GetCommand({ TableName: t.stack.runtime.config.tables.follower(id), Key: { pk: key }, ConsistentRead: true }),
    )).Item;

  it('given a PUT, every follower table converges to the same version and value', async () => {
    const put = await t.api('PUT', '/items/user%3A1', { name: 'Ada' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'user:1', version: 1, ack: { mode: 'async', degraded: false } });
    expect(put.headers.get('etag')).toBe('"1"');

    for (const id of followers) {
      const read = await eventually(async () => {
        const r = await t.api('GET', `/items/user%3A1?replica=${id}`);
        return r.status === 200 ? r : undefined;
      }, { what: `user:1 on ${id}` });
      expect(read.body).toMatchObject({ key: 'user:1', version: 1, value: { name: 'Ada' }, replica: id });
      expect(read.headers.get('x-replog-replica')).toBe(id);
    }
  });

  it('given a DELETE, every follower converges to absent (a tombstone with the next version)', async () => {
    await t.api('PUT', '/items/doomed', { v: 1 });
    const del = await t.api('DELETE', '/items/doomed');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ key: 'doomed', version: 2 });
    for (const id of followers) {
      await eventually(async () => (await followerItem(id, 'doomed'))?.deleted === true, { what: `tombstone on ${id}` });
      expect((await t.api('GET', `/items/doomed?replica=${id}`)).status).toBe(404);
    }
    expect((await t.api('GET', '/items/doomed')).status).toBe(404);
    expect((await t.api('DELETE', '/items/doomed')).status).toBe(404);
  });

  it('given 100 concurrent writes to one key, every table ends at the highest version', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.api<{ version: number }>('PUT', '/items/hot', { i })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const versions = results.map((r) => r.body.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const leader = await t.api<{ version: number; value: unknown }>('GET', '/items/hot');
    expect(leader.body.version).toBe(100);
    for (const id of followers) {
      await eventually(async () => (await followerItem(id, 'hot'))?.version === 100, { what: `hot@100 on ${id}` });
      const item = await followerItem(id, 'hot');
      expect(JSON.parse(item?.doc as string)).toEqual(leader.body.value);
    }
  });

  it('given the same batch delivered twice, the second delivery changes nothing', async () => {
    await t.api('PUT', '/items/dup', { n: 1 });
    const put2 = await t.api<{ position: { partition: number; offset: string } }>('PUT', '/items/dup', { n: 2 });
    await eventually(async () => (await followerItem('follower-1', 'dup'))?.version === 2);
    const before = await followerItem('follower-1', 'dup');

    // Re-read the real records from the topic and hand them to the handler again, twice.
    const kafka = new Kafka({ brokers: t.stack.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${t.names.groupPrefix}-redelivery` });
    const records: { key: string; value: string; offset: number; partition: number; timestamp: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: t.names.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (message.key?.toString() === 'dup') {
          records.push({ partition, offset: Number(message.offset), timestamp: Number(message.timestamp), key: message.key.toString('base64'), value: (message.value as Buffer).toString('base64') });
        }
      },
    });
    await eventually(() => records.length >= 2, { what: 'both dup records' });
    await consumer.disconnect();
    const event = {
      eventSource: 'aws:kafka' as const,
      records: { [`${t.names.topic}-${put2.body.position.partition}`]: records.map((r) => ({ ...r, topic: t.names.topic, timestampType: 'CREATE_TIME', headers: [] })) },
    };
    const handler = createFollowerHandler(() => t.stack.runtime, () => 'follower-1');
    const first = await handler(event);
    const second = await handler(event);
    expect(first).toMatchObject({ records: 2, applied: 0 });
    expect(second).toMatchObject({ records: 2, applied: 0 });
    expect(await followerItem('follower-1', 'dup')).toEqual(before);
  });

  it('given If-Match, a write succeeds only at the expected version (412 otherwise)', async () => {
    const created = await t.api('PUT', '/items/cas', { n: 1 });
    expect(created.headers.get('etag')).toBe('"1"');
    const ok = await t.api('PUT', '/items/cas', { n: 2 }, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ version: 2 });
    const stale = await t.api<{ error: { code: string; details: unknown } }>('PUT', '/items/cas', { n: 3 }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: 'PRECONDITION_FAILED', details: { expectedVersion: 1, currentVersion: 2 } });
    const missing = await t.api('PUT', '/items/never-written', { n: 1 }, { 'if-match': '"1"' });
    expect(missing.status).toBe(412);
    expect((await t.api('GET', '/items/never-written')).status).toBe(404);
    const leader = await t.api('GET', '/items/cas');
    expect(leader.body).toMatchObject({ version: 2, value: { n: 2 } });
  });

  it('given bad input, answers the documented JSON error and changes nothing', async () => {
    const cases: [string, string, unknown, Record<string, string>, number, string][] = [
      ['PUT', '/items/x', '{not json', {}, 400, 'BAD_BODY'],
      ['PUT', '/items/x', '', {}, 400, 'BAD_BODY'],
      ['PUT', `/items/${'k'.repeat(1100)}`, { a: 1 }, {}, 400, 'BAD_KEY'],
      ['PUT', '/items/a%0Ab', { a: 1 }, {}, 400, 'BAD_KEY'],
      ['PUT', '/items/%E0%A4%A', { a: 1 }, {}, 400, 'BAD_KEY'],
      ['PUT', '/items/x?ack=sometimes', { a: 1 }, {}, 400, 'BAD_QUERY'],
      ['PUT', '/items/x', { a: 1 }, { 'if-match': 'yesterday' }, 400, 'BAD_QUERY'],
      ['PUT', '/items/x', JSON.stringify({ pad: 'x'.repeat(300 * 1024) }), {}, 413, 'PAYLOAD_TOO_LARGE'],
      ['PUT', '/items/x?replica=follower-2', { a: 1 }, {}, 405, 'READ_ONLY_REPLICA'],
      ['DELETE', '/items/x?replica=follower-2', undefined, {}, 405, 'READ_ONLY_REPLICA'],
      ['GET', '/items/x?replica=follower-9', undefined, {}, 400, 'BAD_QUERY'],
      ['POST', '/items/x', { a: 1 }, {}, 405, 'METHOD_NOT_ALLOWED'],
      ['GET', '/nowhere', undefined, {}, 404, 'NOT_FOUND'],
    ];
    for (const [method, path, body, headers, status, code] of cases) {
      const res = await t.api<{ error: { code: string; message: string } }>(method, path, body, headers);
      expect({ method, path: path.slice(0, 40), status: res.status, code: res.body?.error?.code }).toEqual({ method, path: path.slice(0, 40), status, code });
      expect(typeof res.body.error.message).toBe('string');
    }
    const scan = await t.stack.runtime.documentClient.send(
      new ScanCommand({ TableName: t.stack.runtime.config.tables.leader, FilterExpression: 'pk = :x', ExpressionAttributeValues: { ':x': 'x' } }),
    );
    expect(scan.Items ?? []).toEqual([]);
  });
});
