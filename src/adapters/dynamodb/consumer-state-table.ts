import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { ConsumerReport } from '../../core/consumer-state';
import type { ConsumerStateStore } from '../../core/ports';
import { batchGetAll } from './batch-get';
import { translateDynamoError } from './dynamo-errors';

export const consumerKey = (followerId: string): string => `consumer#${followerId}`;

const failureSchema = z.object({ name: z.string(), message: z.string(), at: z.number() });
const storedSchema = z.object({
  pk: z.string(),
  followerId: z.string(),
  owner: z.string(),
  state: z.enum(['running', 'restarting']),
  since: z.number(),
  reportedAt: z.number(),
  restarts: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.number().nullable(),
});

/**
 * Consumer reports in the control table, one item per follower (`consumer#<followerId>`), written
 * by the process that runs the follower's local consumer whenever its state changes.
 */
export class DynamoConsumerStates implements ConsumerStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async save(report: ConsumerReport): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: consumerKey(report.followerId),
            ...report,
            lastError: report.lastError === null ? null : JSON.stringify(report.lastError),
          },
        }),
      );
    } catch (error) {
      throw translateDynamoError(error, 'PutItem', this.table);
    }
  }

  async load(followerIds: readonly string[]): Promise<Map<string, ConsumerReport>> {
    const items = await batchGetAll(this.client, this.table, followerIds.map((id) => ({ pk: consumerKey(id) })));
    const found = new Map<string, ConsumerReport>();
    for (const item of items) {
      const report = fromItem(item);
      if (report) found.set(report.followerId, report);
    }
    return found;
  }
}

/** A malformed item is ignored rather than failing status. */
function fromItem(item: Record<string, unknown>): ConsumerReport | undefined {
  const parsed = storedSchema.safeParse(item);
  if (!parsed.success) return undefined;
  const { pk: _pk, lastError, ...rest } = parsed.data;
  let error: ConsumerReport['lastError'] = null;
  if (lastError !== null) {
    try {
      error = failureSchema.parse(JSON.parse(lastError));
    } catch {
      error = null;
    }
  }
  return { ...rest, lastError: error };
}
