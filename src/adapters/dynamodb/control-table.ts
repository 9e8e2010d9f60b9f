import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ControlState, ControlStore } from '../../core/control-state';
import { isConditionalCheckFailed, translateDynamoError } from './dynamo-errors';

const CONTROL_KEY = 'control';

/**
 * The control state is one item: `epoch` as a number for the CAS condition, the rest as JSON.
 * Strongly consistent reads, because a stale read would only make the next CAS fail anyway.
 */
export class DynamoControlTable implements ControlStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async load(): Promise<ControlState | undefined> {
    try {
      const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: CONTROL_KEY }, ConsistentRead: true }));
      return out.Item ? (JSON.parse(out.Item.state as string) as ControlState) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem', this.table);
    }
  }

  async initialize(state: ControlState): Promise<ControlState> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: CONTROL_KEY, epoch: state.epoch, state: JSON.stringify(state) },
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

  async replace(expectedEpoch: number, next: ControlState): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: CONTROL_KEY, epoch: next.epoch, state: JSON.stringify(next) },
          ConditionExpression: 'epoch = :expected',
          ExpressionAttributeValues: { ':expected': expectedEpoch },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw translateDynamoError(error, 'PutItem', this.table);
    }
  }
}
