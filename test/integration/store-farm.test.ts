import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LocalStoreFarm } from '../../src/local/store-farm';
import { eventually } from '../support/eventually';
import { silentLog } from '../support/in-memory-stores';

/** Each replica's store is a process of its own: a crash of one is a real fault, and it comes back on its port with its data. */
describe('local store farm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replog-farm-'));
  let farm: LocalStoreFarm;
  const clientFor = (endpoint: string) =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }),
    );

  beforeAll(async () => {
    farm = await LocalStoreFarm.start([{ id: 'main', dataDir: join(dir, 'main') }, { id: 'control' }], { log: silentLog, restartDelayMs: 300 });
  });
  afterAll(async () => {
    await farm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a store killed from outside, reports it down, starts it again on the same port with its data', async () => {
    const endpoint = farm.endpoint('main');
    const client = clientFor(endpoint);
    await client.send(
      new CreateTableCommand({
        TableName: 'items',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await client.send(new PutCommand({ TableName: 'items', Item: { pk: 'a', n: 1 } }));
    const before = farm.status().find((s) => s.id === 'main');
    expect(before).toMatchObject({ state: 'running', restarts: 0 });
    expect(farm.status().find((s) => s.id === 'control')?.pid).not.toBe(before?.pid);

    process.kill(before?.pid as number, 'SIGKILL');
    await eventually(() => farm.status().find((s) => s.id === 'main')?.state === 'down', { what: 'the store to be reported down' });
    expect(farm.status().find((s) => s.id === 'main')?.lastExit).toBe('SIGKILL');
    await eventually(() => farm.status().find((s) => s.id === 'main')?.state === 'running', { what: 'the store to come back' });

    const after = farm.status().find((s) => s.id === 'main');
    expect(after).toMatchObject({ endpoint, restarts: 1 });
    expect(after?.pid).not.toBe(before?.pid);
    const read = await eventually(async () => (await client.send(new GetCommand({ TableName: 'items', Key: { pk: 'a' }, ConsistentRead: true }))).Item, {
      what: 'the item to be readable again',
    });
    expect(read).toEqual({ pk: 'a', n: 1 });
    client.destroy();
  });

  it('given a store the caller kills, leaves it down until the caller starts it', async () => {
    await farm.kill('control');
    expect(farm.status().find((s) => s.id === 'control')?.state).toBe('down');
    await farm.start('control');
    expect(farm.status().find((s) => s.id === 'control')?.state).toBe('running');
  });
});
