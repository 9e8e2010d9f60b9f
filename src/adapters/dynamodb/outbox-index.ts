import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
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
    const counts = await Promise.all(
      shards.map(async (shard) => {
        let count = 0;
        await this.queryPages(
          () => ({ TableName: this.table, IndexName: OUTBOX_INDEX, KeyConditionExpression: 'outboxShard = :shard', ExpressionAttributeValues: { ':shard': shard }, Select: 'COUNT' }),
          (out) => {
            count += out.Count ?? 0;
            return true;
          },
        );
        return count;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  private async queryShard(shard: string, cutoff: number, limit: number): Promise<OutboxMark[]> {
    const marks: OutboxMark[] = [];
    await this.queryPages(
      () => buildStaleMarksQuery(this.table, shard, cutoff, Math.min(1000, limit - marks.length)),
      (out) => {
        for (const item of out.Items ?? []) {
          if (typeof item.pk === 'string' && typeof item.outboxAt === 'number') marks.push({ key: item.pk, outboxAt: item.outboxAt });
        }
        return marks.length < limit;
      },
    );
    return marks;
  }

  /** Queries page after page until the index ends or `onPage` says enough; `request` is built anew for each page. */
  private async queryPages(request: () => QueryCommandInput, onPage: (out: QueryCommandOutput) => boolean): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const out = await this.client.send(new QueryCommand({ ...request(), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
        startKey = out.LastEvaluatedKey;
        if (!onPage(out)) return;
      } while (startKey);
    } catch (error) {
      throw translateDynamoError(error, 'Query', `${this.table} (index ${OUTBOX_INDEX})`);
    }
  }
}
