import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { MarkScanner, OutboxMark } from '../../core/ports';
import { translateDynamoError } from './dynamo-errors';
import { OUTBOX_INDEX, OUTBOX_SHARDS } from './item-attributes';

export function buildStaleMarksQuery(table: string, shard: string, cutoff: number, pageSize: number): QueryCommandInput {
  return {
    TableName: table,
    IndexName: OUTBOX_INDEX,
    KeyConditionExpression: 'outboxShard = :shard AND outboxAt < :cutoff',
    ExpressionAttributeValues: { ':shard': shard, ':cutoff': cutoff },
    Limit: pageSize,
  };
}

/**
 * Reads stale outbox marks from the sparse `outbox` index: only marked items are in it, so the
 * cost follows the number of unpublished writes, not the table size. Shards are queried in
 * parallel, oldest marks first within each, and the union is cut to the oldest `limit`.
 */
export class DynamoOutboxIndex implements MarkScanner {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async marksOlderThan(cutoff: number, limit: number): Promise<OutboxMark[]> {
    const shards = Array.from({ length: OUTBOX_SHARDS }, (_, i) => `s${i}`);
    const perShard = await Promise.all(shards.map((shard) => this.queryShard(shard, cutoff, limit)));
    return perShard
      .flat()
      .sort((a, b) => a.outboxAt - b.outboxAt)
      .slice(0, limit);
  }

  /** Every mark in the index, old or fresh: the writes whose publish is not recorded yet. */
  async countMarks(): Promise<number> {
    const shards = Array.from({ length: OUTBOX_SHARDS }, (_, i) => `s${i}`);
    const counts = await Promise.all(shards.map((shard) => this.countShard(shard)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private async countShard(shard: string): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: OUTBOX_INDEX,
            KeyConditionExpression: 'outboxShard = :shard',
            ExpressionAttributeValues: { ':shard': shard },
            Select: 'COUNT',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        count += out.Count ?? 0;
        startKey = out.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw translateDynamoError(error, 'Query', `${this.table} (index ${OUTBOX_INDEX})`);
    }
    return count;
  }

  private async queryShard(shard: string, cutoff: number, limit: number): Promise<OutboxMark[]> {
    const marks: OutboxMark[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const out = await this.client.send(
          new QueryCommand({
            ...buildStaleMarksQuery(this.table, shard, cutoff, Math.min(1000, limit - marks.length)),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of out.Items ?? []) {
          if (typeof item.pk === 'string' && typeof item.outboxAt === 'number') marks.push({ key: item.pk, outboxAt: item.outboxAt });
        }
        startKey = out.LastEvaluatedKey;
      } while (startKey && marks.length < limit);
    } catch (error) {
      throw translateDynamoError(error, 'Query', `${this.table} (index ${OUTBOX_INDEX})`);
    }
    return marks;
  }
}
