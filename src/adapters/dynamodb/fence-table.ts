import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { InternalError } from '../../core/errors';
import type { PassedFence } from '../../core/fence';
import type { FenceStore } from '../../core/ports';
import { translateDynamoError } from './dynamo-errors';

export function fenceItemKey(replica: string, partition: number): string {
  return `fences#${replica}#${partition}`;
}

const storedSchema = z.array(z.object({ term: z.number().int().positive(), offset: z.string().regex(/^\d+$/) }));

/**
 * The fences each replica passed, one control-table item per replica and partition. Appends only:
 * a redelivered batch may append a fence twice, which reading folds away.
 */
export class DynamoFenceTable implements FenceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async load(replica: string, partition: number): Promise<PassedFence[]> {
    let item: Record<string, unknown> | undefined;
    try {
      item = (await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: fenceItemKey(replica, partition) }, ConsistentRead: true }))).Item;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem', this.table);
    }
    const parsed = storedSchema.safeParse(item?.fences ?? []);
    // Forgetting a fence would let a deposed leader's records in: an unreadable item stops the consumer instead.
    if (!parsed.success) throw new InternalError(`the fences of ${replica} in partition ${partition} are unreadable`, { cause: parsed.error });
    const fences = parsed.data;
    return fences.filter((f, i) => fences.findIndex((g) => g.term === f.term && g.offset === f.offset) === i);
  }

  async add(replica: string, partition: number, fences: readonly PassedFence[]): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: fenceItemKey(replica, partition) },
          UpdateExpression: 'SET fences = list_append(if_not_exists(fences, :none), :new), replica = :r, #p = :p',
          ExpressionAttributeNames: { '#p': 'partition' },
          ExpressionAttributeValues: { ':none': [], ':new': fences.map((f) => ({ term: f.term, offset: f.offset })), ':r': replica, ':p': partition },
        }),
      );
    } catch (error) {
      throw translateDynamoError(error, 'UpdateItem', this.table);
    }
  }
}
