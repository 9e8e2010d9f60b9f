import { CreateTableCommand, type CreateTableCommandInput, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { translateDynamoError } from './dynamo-errors';

/** Creates tables that are missing and waits until they are ACTIVE; existing tables are left alone. */
export async function ensureTables(client: DynamoDBDocumentClient, definitions: CreateTableCommandInput[]): Promise<void> {
  await Promise.all(definitions.map((d) => ensureTable(client, d)));
}

async function ensureTable(client: DynamoDBDocumentClient, definition: CreateTableCommandInput): Promise<void> {
  const name = definition.TableName as string;
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw translateDynamoError(error, 'CreateTable', name);
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw translateDynamoError(new Error('table did not become ACTIVE within 60 s'), 'DescribeTable', name);
    await new Promise((r) => setTimeout(r, 50));
  }
}
