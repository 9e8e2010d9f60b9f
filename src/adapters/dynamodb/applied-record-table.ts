import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppliedRecord, AppliedRecordStore, ExtendOutcome } from '../../core/applied-record';
import { batchGetAll } from './batch-get';
import { conditionally, conditionalWrite, HELD_ON_REFUSAL } from './conditional-write';
import { translateDynamoError } from './dynamo-errors';

export function appliedKey(followerId: string, partition: number): string {
  return `applied#${followerId}#${partition}`;
}

const storedSchema = z.object({
  followerId: z.string(),
  partition: z.number().int().nonnegative(),
  incarnation: z.string().min(1),
  // A number, so the extend's condition compares offsets, not strings.
  appliedThrough: z.number().int().nonnegative(),
});

/**
 * Followers' applied records (core/applied-record.ts) in the control table, one item per
 * follower and partition (`applied#<followerId>#<partition>`). Offsets are stored as numbers:
 * exact up to 2^53, far beyond any partition's offsets.
 */
export class DynamoAppliedRecordTable implements AppliedRecordStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async loadApplied(keys: readonly { followerId: string; partition: number }[]): Promise<AppliedRecord[]> {
    if (keys.length === 0) return [];
    const items = await batchGetAll(this.client, this.table, keys.map((k) => ({ pk: appliedKey(k.followerId, k.partition) })));
    return items.flatMap((item) => {
      // A malformed item confirms nothing rather than failing the round.
      const parsed = storedSchema.safeParse(item);
      if (!parsed.success) return [];
      const { followerId, partition, incarnation, appliedThrough } = parsed.data;
      return [{ followerId, partition, incarnation, appliedThrough: BigInt(appliedThrough) }];
    });
  }

  createApplied(followerId: string, partition: number, incarnation: string): Promise<boolean> {
    const Item = { pk: appliedKey(followerId, partition), followerId, partition, incarnation, appliedThrough: 0 };
    return conditionalWrite(
      () => this.client.send(new PutCommand({ TableName: this.table, Item, ConditionExpression: 'attribute_not_exists(pk)' })),
      'PutItem',
      this.table,
    );
  }

  async extendApplied(followerId: string, partition: number, incarnation: string, through: bigint): Promise<ExtendOutcome> {
    const outcome = await conditionally(
      () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: appliedKey(followerId, partition) },
            UpdateExpression: 'SET appliedThrough = :through',
            ConditionExpression: 'incarnation = :incarnation AND appliedThrough < :through',
            ExpressionAttributeValues: { ':incarnation': incarnation, ':through': Number(through) },
            ...HELD_ON_REFUSAL,
          }),
        ),
      'UpdateItem',
      this.table,
    );
    if (outcome.applied) return 'extended';
    // dynalite does not hand the item back with the refusal: read it to tell the two refusals apart.
    const held = outcome.held ?? (await this.loadApplied([{ followerId, partition }]))[0];
    return held !== undefined && held.incarnation === incarnation ? 'not-newer' : 'other-incarnation';
  }

  async forgetApplied(followerId: string, partitions: readonly number[]): Promise<void> {
    for (let i = 0; i < partitions.length; i += 25) {
      const requests = partitions.slice(i, i + 25).map((p) => ({ DeleteRequest: { Key: { pk: appliedKey(followerId, p) } } }));
      let pending: typeof requests = requests;
      for (let round = 0; pending.length > 0; round++) {
        if (round >= 10) throw translateDynamoError(new Error('applied records still unprocessed after 10 rounds'), 'BatchWriteItem', this.table);
        try {
          const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
          pending = (out.UnprocessedItems?.[this.table] as typeof requests | undefined) ?? [];
        } catch (error) {
          throw translateDynamoError(error, 'BatchWriteItem', this.table);
        }
      }
    }
  }
}
