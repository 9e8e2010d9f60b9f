import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAppliedRecordTable } from '../../src/adapters/dynamodb/applied-record-table';
import { DynamoControlTable } from '../../src/adapters/dynamodb/control-table';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client';
import { DynamoFollowerTable } from '../../src/adapters/dynamodb/follower-table';
import { DynamoLeaderTable } from '../../src/adapters/dynamodb/leader-table';
import { DynamoOutboxIndex } from '../../src/adapters/dynamodb/outbox-index';
import { DynamoProgressTable } from '../../src/adapters/dynamodb/progress-table';
import { DynamoReplayJournal } from '../../src/adapters/dynamodb/replay-journal-table';
import { leaderTableDefinition, simpleTableDefinition } from '../../src/adapters/dynamodb/table-definitions';
import { ensureTables } from '../../src/adapters/dynamodb/table-provisioner';
import { type ControlState, initialControlState } from '../../src/core/control-state';
import { appliedRecordStoreContract } from './specs/applied-record-store.contract';
import { applyProgressStoreContract } from './specs/apply-progress-store.contract';
import { controlStoreContract } from './specs/control-store.contract';
import { followerStoreContract } from './specs/follower-store.contract';
import { leaderStoreContract } from './specs/leader-store.contract';
import { outboxIndexContract } from './specs/outbox-index.contract';
import { replayJournalContract } from './specs/replay-journal.contract';

/**
 * Every DynamoDB-backed port's contract run against one DynamoDB-compatible endpoint, each case on
 * tables of its own. `endpoint` is read when the cases run (the server starts in beforeAll).
 */
export function dynamoContracts(endpoint: () => string): void {
  let client: DynamoDBDocumentClient | undefined;
  const db = () => {
    client ??= createDocumentClient({ region: 'us-east-1', endpoint: endpoint() });
    return client;
  };
  afterAll(() => client?.destroy());

  const table = async (kind: 'leader' | 'simple') => {
    const name = `contract-${kind}-${randomBytes(5).toString('hex')}`;
    await ensureTables(db(), [kind === 'leader' ? leaderTableDefinition(name) : simpleTableDefinition(name)]);
    return name;
  };

  leaderStoreContract(async () => new DynamoLeaderTable(db(), await table('leader')));
  followerStoreContract(async () => new DynamoFollowerTable(db(), await table('simple')));
  controlStoreContract(async () => new DynamoControlTable(db(), await table('simple')));
  applyProgressStoreContract(async () => new DynamoProgressTable(db(), await table('simple')));
  appliedRecordStoreContract(async () => new DynamoAppliedRecordTable(db(), await table('simple')));
  outboxIndexContract(async () => {
    const name = await table('leader');
    return { leader: new DynamoLeaderTable(db(), name), marks: new DynamoOutboxIndex(db(), name) };
  });
  replayJournalContract(async () => {
    // Journals share the control table with the control item and progress items, as deployed.
    const name = await table('simple');
    await new DynamoControlTable(db(), name).initialize(initialControlState([{ id: 'f1', delayMs: 0 }], 'f1', 1));
    await new DynamoProgressTable(db(), name).saveProgress({
      followerId: 'f1',
      partition: 0,
      seq: 1,
      committedThrough: '1',
      lastProgressAt: 1,
      lastAppliedAt: null,
      lastLagMs: null,
      samples: [],
      fenced: 0,
    });
    return new DynamoReplayJournal(db(), name);
  });

  describe('DynamoControlTable and the control items older replogs wrote', () => {
    it('loads an item whose revision was stored as `epoch`, and replaces it by compare-and-set on it', async () => {
      const name = await table('simple');
      const { revision: _r, ...state } = initialControlState([{ id: 'f1', delayMs: 0 }, { id: 'f2', delayMs: 0 }], 'f1', 1000);
      const legacy = {
        ...state,
        epoch: 4,
        history: [{ epoch: 4, from: null, to: 'f1', at: 900, reason: 'designated by an operator', kind: 'designation' }],
      };
      await db().send(new PutCommand({ TableName: name, Item: { pk: 'control', epoch: 4, state: JSON.stringify(legacy) } }));
      const store = new DynamoControlTable(db(), name);
      const loaded = await store.load();
      expect(loaded).toMatchObject({ revision: 4, syncFollower: 'f1', history: [{ revision: 4, to: 'f1' }] });
      expect(loaded).not.toHaveProperty('epoch');
      const next = { ...(loaded as ControlState), revision: 5, syncFollower: 'f2' };
      expect(await store.replace(3, next)).toBe(false);
      expect(await store.replace(4, next)).toBe(true);
      expect(await store.replace(4, { ...next, revision: 6 })).toBe(false);
      expect(await store.load()).toEqual(next);
    });
  });
}
