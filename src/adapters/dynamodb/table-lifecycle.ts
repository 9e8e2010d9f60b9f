import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  type TableDescription,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { UnavailableError } from '../../core/errors';
import { translateDynamoError } from './dynamo-errors';

const WAIT_MS = 120_000;

const isNotFound = (error: unknown) => (error as { name?: string }).name === 'ResourceNotFoundException';

/**
 * Makes `name` a fresh, empty table: an existing empty table is kept as it is; a table holding
 * items is dropped and created again under the same name with the same key schema, billing mode,
 * throughput, encryption and point-in-time recovery, so every reader, handler and infrastructure
 * reference stays valid. A table that does not exist is created from `fallback`.
 */
export async function recreateTable(
  client: DynamoDBDocumentClient,
  name: string,
  fallback: CreateTableCommandInput,
): Promise<void> {
  const existing = await describe(client, name);
  if (existing?.TableStatus === 'ACTIVE' && (await isEmpty(client, name))) return;
  const definition = existing ? definitionOf(existing) : fallback;
  const pointInTimeRecovery = existing ? await pointInTimeRecoveryOf(client, name) : false;
  if (existing) await dropTable(client, name);
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    throw translateDynamoError(error, 'CreateTable', name);
  }
  await waitFor(async () => (await describe(client, name))?.TableStatus === 'ACTIVE', `${name} to become ACTIVE`);
  if (pointInTimeRecovery) {
    try {
      await client.send(
        new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      );
    } catch (error) {
      throw translateDynamoError(error, 'UpdateContinuousBackups', name);
    }
  }
}

async function isEmpty(client: DynamoDBDocumentClient, name: string): Promise<boolean> {
  try {
    const out = await client.send(new ScanCommand({ TableName: name, Limit: 1, ConsistentRead: true, ProjectionExpression: 'pk' }));
    return (out.Items ?? []).length === 0 && out.LastEvaluatedKey === undefined;
  } catch (error) {
    throw translateDynamoError(error, 'Scan', name);
  }
}

async function pointInTimeRecoveryOf(client: DynamoDBDocumentClient, name: string): Promise<boolean> {
  try {
    const out = await client.send(new DescribeContinuousBackupsCommand({ TableName: name }));
    return out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED';
  } catch {
    // Stores without backups (dynalite, some emulators) have nothing to carry over.
    return false;
  }
}

/** Deletes a table if it exists and waits until it is gone. */
export async function dropTable(client: DynamoDBDocumentClient, name: string): Promise<boolean> {
  if ((await describe(client, name)) === undefined) return false;
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } catch (error) {
    if (isNotFound(error)) return false;
    throw translateDynamoError(error, 'DeleteTable', name);
  }
  await waitFor(async () => (await describe(client, name)) === undefined, `${name} to be deleted`);
  return true;
}

function definitionOf(table: TableDescription): CreateTableCommandInput {
  const onDemand = table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST';
  const read = table.ProvisionedThroughput?.ReadCapacityUnits;
  const write = table.ProvisionedThroughput?.WriteCapacityUnits;
  const provisioned = !(onDemand || !read || !write);
  // Replica tables are leader-shaped: the outbox index goes with the table, or the attributes it
  // defines would not match the key schema.
  const indexes = (table.GlobalSecondaryIndexes ?? []).map((g) => ({
    IndexName: g.IndexName,
    KeySchema: g.KeySchema,
    Projection: g.Projection,
    ...(provisioned && g.ProvisionedThroughput?.ReadCapacityUnits && g.ProvisionedThroughput.WriteCapacityUnits
      ? { ProvisionedThroughput: { ReadCapacityUnits: g.ProvisionedThroughput.ReadCapacityUnits, WriteCapacityUnits: g.ProvisionedThroughput.WriteCapacityUnits } }
      : {}),
  }));
  return {
    TableName: table.TableName,
    KeySchema: table.KeySchema,
    AttributeDefinitions: table.AttributeDefinitions,
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    ...(provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: read, WriteCapacityUnits: write } } : { BillingMode: 'PAY_PER_REQUEST' }),
    ...(table.SSEDescription?.Status === 'ENABLED' ? { SSESpecification: { Enabled: true } } : {}),
  };
}

async function describe(client: DynamoDBDocumentClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw translateDynamoError(error, 'DescribeTable', name);
  }
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new UnavailableError(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
