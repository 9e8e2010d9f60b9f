import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PartitionProgress } from '../../core/apply-progress';
import type { ApplyProgressStore } from '../../core/ports';
import { batchGetAll } from './batch-get';
import { conditionalWrite } from './conditional-write';

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
  fenced: z.number().int().nonnegative().optional(),
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
    const items = await batchGetAll(this.client, this.table, keys.map((k) => ({ pk: progressKey(k.followerId, k.partition) })));
    return items.flatMap((item) => fromItem(item) ?? []);
  }

  saveProgress(next: PartitionProgress): Promise<boolean> {
    const item = {
      pk: progressKey(next.followerId, next.partition),
      followerId: next.followerId,
      partition: next.partition,
      seq: next.seq,
      committedThrough: next.committedThrough,
      lastProgressAt: next.lastProgressAt,
      lastAppliedAt: next.lastAppliedAt,
      lastLagMs: next.lastLagMs,
      samples: JSON.stringify(next.samples.map((s) => [s.at, s.lagMs])),
      fenced: next.fenced,
    };
    const condition =
      next.seq === 1
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'seq = :previous', ExpressionAttributeValues: { ':previous': next.seq - 1 } };
    return conditionalWrite(() => this.client.send(new PutCommand({ TableName: this.table, Item: item, ...condition })), 'PutItem', this.table);
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
    fenced: p.fenced ?? 0,
  };
}
