import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FollowerRepairer, StoredItem } from '../../core/ports';
import { conditionalWrite } from './conditional-write';
import { Expected, stampOf, type VersionStamp } from '../../core/versions';
import type { ItemRecord } from './item-attributes';
import { conditionFields, ITEM_STAMP, versionCondition } from './version-conditions';

/**
 * Direct repairs of one follower table for `verify --repair`. Each write is conditional on the
 * follower copy still being the one verify saw, so a live apply that moved the item on meanwhile
 * is never clobbered (the re-check then judges the new state).
 */
export class DynamoFollowerRepairer implements FollowerRepairer {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async overwrite(item: StoredItem, seen: VersionStamp | undefined): Promise<boolean> {
    const record: ItemRecord = {
      pk: item.key,
      ...stampOf(item),
      deleted: item.deleted,
      updatedAt: item.updatedAt,
      appliedAt: this.now(),
      ...(item.writeId === undefined ? {} : { writeId: item.writeId }),
      ...(item.deleted ? {} : { doc: JSON.stringify(item.value) }),
    };
    const request = { TableName: this.table, Item: record, ...conditionFields(versionCondition(Expected.heldAs(seen), ITEM_STAMP, ':expected')) };
    return conditionalWrite(() => this.client.send(new PutCommand(request)), 'PutItem', this.table);
  }

  async remove(key: string, seen: VersionStamp): Promise<boolean> {
    const request = { TableName: this.table, Key: { pk: key }, ...conditionFields(versionCondition(Expected.exactly(seen), ITEM_STAMP, ':expected')) };
    return conditionalWrite(() => this.client.send(new DeleteCommand(request)), 'DeleteItem', this.table);
  }
}
