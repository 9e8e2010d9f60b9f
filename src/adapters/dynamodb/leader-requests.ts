import type { GetCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CommitRequest } from '../../core/ports';
import { outboxShardOf } from './item-attributes';

/**
 * Pure request builders for the leader table (DynamoDB Toolbox style): unit-testable without a
 * table, and the single place the leader's conditional-write rules are spelled out.
 */
export function buildCommitRequest(table: string, req: CommitRequest): UpdateCommandInput {
  const names: Record<string, string> = { '#v': 'version', '#d': 'deleted' };
  const values: Record<string, unknown> = {
    ':zero': 0,
    ':one': 1,
    ':now': req.now,
    ':wid': req.writeId,
    ':shard': outboxShardOf(req.key),
    ':del': req.op === 'delete',
  };
  const set = ['#v = if_not_exists(#v, :zero) + :one', '#d = :del', 'updatedAt = :now', 'writeId = :wid', 'outboxAt = :now', 'outboxShard = :shard'];
  let update: string;
  if (req.op === 'put') {
    values[':doc'] = JSON.stringify(req.value);
    set.push('doc = :doc');
    update = `SET ${set.join(', ')}`;
  } else {
    update = `SET ${set.join(', ')} REMOVE doc`;
  }
  const conditions: string[] = [];
  if (req.op === 'delete') {
    // Deleting what is absent (never written, or already a tombstone) is a 404, not a new version.
    values[':false'] = false;
    conditions.push('attribute_exists(pk) AND #d = :false');
  }
  if (req.expectedVersion !== undefined) {
    values[':expected'] = req.expectedVersion;
    values[':false'] = false;
    conditions.push('#v = :expected AND #d = :false');
  }
  return {
    TableName: table,
    Key: { pk: req.key },
    UpdateExpression: update,
    ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
  };
}

export function buildClearMarkRequest(table: string, key: string, version: number): UpdateCommandInput {
  return {
    TableName: table,
    Key: { pk: key },
    UpdateExpression: 'REMOVE outboxAt, outboxShard',
    // A newer write re-marked the item: its mark belongs to that write and must stay.
    ConditionExpression: '#v = :v AND attribute_exists(outboxAt)',
    ExpressionAttributeNames: { '#v': 'version' },
    ExpressionAttributeValues: { ':v': version },
  };
}

export function buildGetRequest(table: string, key: string, consistent: boolean): GetCommandInput {
  return { TableName: table, Key: { pk: key }, ConsistentRead: consistent };
}
