import { BatchGetCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PartitionProgress } from '../../core/apply-progress';
import type { ApplyProgressStore } from '../../core/ports';
import { isConditionalCheckFailed, translateDynamoError } from './dynamo-errors';

/** BatchGetItem's per-call key limit. */
const BATCH_GET_LIMIT = 100;

export function progressKey(followerId: string, partition: number): string {
  return `progress#${followerId}#${partition}`;
}

/** Samples are stored as `[at, lagMs]` pairs in one JSON attribute: compact, and read back whole. */
const storedSchema = z.object({
  pk: z.string(),
  followerId: z.string(),
  partition: z.number().int().nonnegative(),
  seq: z.number().int().positive(),
  committedThrough: z.string().regex(/^\d+$/),
  lastProgressAt: z.number(),
  lastAppliedAt: z.number().nullable().optional(),
  lastLagMs: z.number().nullable().optional(),
  samples: z.string(),
});
const samplesSchema = z.array(z.tuple([z.number(), z.number()]));

/**
 * Follower apply progress in the control table, one item per follower and partition
 * (`progress#<followerId>#<partition>`), written with a compare-and-set on `seq`.
 */
export class DynamoProgressTable implements ApplyProgressStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async loadProgress(keys: readonly { followerId: string; partition: number }[]): Promise<PartitionProgress[]> {
    const found: PartitionProgress[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_LIMIT).map((k) => ({ pk: progressKey(k.followerId, k.partition) }));
      // BatchGetItem may hand some keys back unprocessed under load; ask again for just those.
      for (let round = 0; pending.length > 0 && round < 5; round++) {
        try {
          const out = await this.client.send(
            new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }),
          );
          for (const item of out.Responses?.[this.table] ?? []) {
            const progress = fromItem(item);
            if (progress) found.push(progress);
          }
          pending = (out.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        } catch (error) {
          throw translateDynamoError(error, 'BatchGetItem', this.table);
        }
      }
    }
    return found;
  }

  async saveProgress(next: PartitionProgress): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: progressKey(next.followerId, next.partition),
            followerId: next.followerId,
            partition: next.partition,
            seq: next.seq,
            committedThrough: next.committedThrough,
            lastProgressAt: next.lastProgressAt,
            lastAppliedAt: next.lastAppliedAt,
            lastLagMs: next.lastLagMs,
            samples: JSON.stringify(next.samples.map((s) => [s.at, s.lagMs])),
          },
          ...(next.seq === 1
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'seq = :previous', ExpressionAttributeValues: { ':previous': next.seq - 1 } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw translateDynamoError(error, 'PutItem', this.table);
    }
  }
}

/** A malformed item (hand-edited, or from a future version) is ignored rather than failing status. */
function fromItem(item: Record<string, unknown>): PartitionProgress | undefined {
  const parsed = storedSchema.safeParse(item);
  if (!parsed.success) return undefined;
  let samples: [number, number][];
  try {
    samples = samplesSchema.parse(JSON.parse(parsed.data.samples));
  } catch {
    samples = [];
  }
  const p = parsed.data;
  return {
    followerId: p.followerId,
    partition: p.partition,
    seq: p.seq,
    committedThrough: p.committedThrough,
    lastProgressAt: p.lastProgressAt,
    lastAppliedAt: p.lastAppliedAt ?? null,
    lastLagMs: p.lastLagMs ?? null,
    samples: samples.map(([at, lagMs]) => ({ at, lagMs })),
  };
}
