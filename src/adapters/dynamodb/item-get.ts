import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredItem } from '../../core/ports';
import { translateDynamoError } from './dynamo-errors';
import { type ItemRecord, toStoredItem } from './item-attributes';
import { buildGetRequest } from './leader-requests';

/** A strongly consistent read of one item, shared by the leader and follower tables. */
export async function getStoredItem(client: DynamoDBDocumentClient, table: string, key: string): Promise<StoredItem | undefined> {
  try {
    const out = await client.send(new GetCommand(buildGetRequest(table, key, true)));
    return out.Item ? toStoredItem(out.Item as ItemRecord) : undefined;
  } catch (error) {
    throw translateDynamoError(error, 'GetItem', table);
  }
}
