import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CHANGE_EVENT_SCHEMA_VERSION, type ChangeEvent } from '../../core/change-event';
import { NotFoundError, PreconditionFailedError } from '../../core/errors';
import type { JsonValue } from '../../core/item-value';
import type { CommitRequest, CommittedWrite, ItemLister, ItemPage, LeaderStore, StoredItem } from '../../core/ports';
import { getStoredItem } from './item-get';
import { isConditionalCheckFailed, translateDynamoError } from './dynamo-errors';
import { scanLiveItems } from './item-scan';
import type { ItemRecord } from './item-attributes';
import { buildClearMarkRequest, buildCommitRequest } from './leader-requests';

export class DynamoLeaderTable implements LeaderStore, ItemLister {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async commit(req: CommitRequest): Promise<CommittedWrite> {
    let attributes: ItemRecord;
    try {
      const out = await this.client.send(new UpdateCommand(buildCommitRequest(this.table, req)));
      attributes = out.Attributes as ItemRecord;
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw await this.explainConditionFailure(req);
      throw translateDynamoError(error, 'UpdateItem', this.table);
    }
    const event: ChangeEvent = {
      v: CHANGE_EVENT_SCHEMA_VERSION,
      op: req.op,
      key: req.key,
      version: attributes.version,
      value: req.op === 'put' ? (req.value as JsonValue) : null,
      committedAt: req.now,
      writeId: req.writeId,
    };
    return { event };
  }

  listItems(page: { limit: number; cursor?: string }): Promise<ItemPage> {
    return scanLiveItems(this.client, this.table, page);
  }

  get(key: string): Promise<StoredItem | undefined> {
    return getStoredItem(this.client, this.table, key);
  }

  async clearOutboxMark(key: string, version: number): Promise<void> {
    try {
      await this.client.send(new UpdateCommand(buildClearMarkRequest(this.table, key, version)));
    } catch (error) {
      if (isConditionalCheckFailed(error)) return;
      throw translateDynamoError(error, 'UpdateItem', this.table);
    }
  }

  private async explainConditionFailure(req: CommitRequest): Promise<Error> {
    const current = await this.get(req.key);
    const live = current && !current.deleted ? current : undefined;
    if (req.expectedVersion !== undefined && live?.version !== req.expectedVersion) {
      return new PreconditionFailedError(req.key, req.expectedVersion, live?.version);
    }
    return new NotFoundError(`item ${JSON.stringify(req.key)} does not exist`);
  }
}
