import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ControlState, ControlStore, SyncChange } from '../../core/control-state';
import { isConditionalCheckFailed, translateDynamoError } from './dynamo-errors';

const CONTROL_KEY = 'control';

/**
 * The control state is one item: `revision` as a number for the CAS condition, the rest as JSON.
 * Strongly consistent reads, because a stale read would only make the next CAS fail anyway.
 *
 * Items written before the CAS counter was named `revision` carry it as `epoch` (the top-level
 * attribute, the state and its history entries): they load with `epoch` read as the revision, and
 * the first replace matches on `epoch` and writes the item under the new name.
 */
export class DynamoControlTable implements ControlStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async load(): Promise<ControlState | undefined> {
    try {
      const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: CONTROL_KEY }, ConsistentRead: true }));
      return out.Item ? fromStored(JSON.parse(out.Item.state as string) as StoredControlState) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem', this.table);
    }
  }

  async initialize(state: ControlState): Promise<ControlState> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: CONTROL_KEY, revision: state.revision, state: JSON.stringify(state) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return state;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw translateDynamoError(error, 'PutItem', this.table);
      const existing = await this.load();
      if (!existing) throw translateDynamoError(error, 'PutItem', this.table);
      return existing;
    }
  }

  async replace(expectedRevision: number, next: ControlState): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: CONTROL_KEY, revision: next.revision, state: JSON.stringify(next) },
          ConditionExpression: '#rev = :expected OR (attribute_not_exists(#rev) AND #epoch = :expected)',
          ExpressionAttributeNames: { '#rev': 'revision', '#epoch': 'epoch' },
          ExpressionAttributeValues: { ':expected': expectedRevision },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw translateDynamoError(error, 'PutItem', this.table);
    }
  }
}

type StoredChange = Omit<SyncChange, 'revision'> & { revision?: number; epoch?: number };
type StoredControlState = Omit<ControlState, 'revision' | 'history'> & { revision?: number; epoch?: number; history: StoredChange[] };

/** The stored JSON as a ControlState, `epoch` read as `revision` where an older replog wrote it. */
export function fromStored(stored: StoredControlState): ControlState {
  const { epoch, revision, history, ...rest } = stored;
  return {
    ...rest,
    revision: revision ?? (epoch as number),
    history: history.map(({ epoch: changeEpoch, revision: changeRevision, ...change }) => ({ ...change, revision: changeRevision ?? (changeEpoch as number) })),
  };
}
