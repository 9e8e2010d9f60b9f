import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { OUTBOX_INDEX } from './item-attributes';

/**
 * Table shapes, shared by the local runtime (created on start) and kept in step with infra/.
 * dynalite needs provisioned throughput; real DynamoDB tables are on-demand (infra/).
 */
const throughput = { ReadCapacityUnits: 1000, WriteCapacityUnits: 1000 };

export function leaderTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'outboxShard', AttributeType: 'S' },
      { AttributeName: 'outboxAt', AttributeType: 'N' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    ProvisionedThroughput: throughput,
    GlobalSecondaryIndexes: [
      {
        IndexName: OUTBOX_INDEX,
        KeySchema: [
          { AttributeName: 'outboxShard', KeyType: 'HASH' },
          { AttributeName: 'outboxAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        ProvisionedThroughput: throughput,
      },
    ],
  };
}

export function simpleTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    ProvisionedThroughput: throughput,
  };
}
