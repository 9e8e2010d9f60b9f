import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { translateDynamoError } from './dynamo-errors';

/** BatchGetItem's per-call key limit. */
const BATCH_GET_LIMIT = 100;

/**
 * Consistent reads of items by primary key, any number of them: in calls of BatchGetItem's limit,
 * asking again for keys DynamoDB hands back unprocessed under load. Absent items are left out.
 */
export async function batchGetAll(client: DynamoDBDocumentClient, table: string, keys: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_LIMIT);
    for (let round = 0; pending.length > 0 && round < 5; round++) {
      try {
        const out = await client.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
        found.push(...(out.Responses?.[table] ?? []));
        pending = (out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      } catch (error) {
        throw translateDynamoError(error, 'BatchGetItem', table);
      }
    }
  }
  return found;
}
