import type { GetCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CommitRequest, PublishLease } from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { outboxShardOf, type PublishedAttribute } from './item-attributes';

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
  // The outbox mark is also the new version's publish lease (core/publish-order.ts), held by this write.
  const set = [
    '#v = if_not_exists(#v, :zero) + :one',
    '#d = :del',
    'updatedAt = :now',
    'writeId = :wid',
    'outboxAt = :now',
    'outboxShard = :shard',
    'outboxLease = :wid',
  ];
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
    // What the item held before: the prior version's lease and publish record decide when this
    // version may be published (core/publish-order.ts).
    ReturnValues: 'ALL_OLD',
  };
}

/**
 * Records that `version` is in the log. `clear`: the version still holds the lease it was
 * published under, so the mark goes too. `record`: a newer version or lease holds the mark, and
 * the record is left for whoever waits on ours; an older record never replaces a newer one.
 */
export function buildRecordPublishedRequest(
  table: string,
  key: string,
  version: number,
  lease: PublishLease,
  position: LogPosition,
  mode: 'clear' | 'record',
): UpdateCommandInput {
  const pub: PublishedAttribute = { version, lease: lease.id, leaseAt: lease.at, partition: position.partition, offset: position.offset };
  if (mode === 'clear') {
    return {
      TableName: table,
      Key: { pk: key },
      UpdateExpression: 'SET #pub = :pub REMOVE outboxAt, outboxShard, outboxLease',
      ConditionExpression: '#v = :v AND outboxLease = :lease',
      ExpressionAttributeNames: { '#v': 'version', '#pub': 'pub' },
      ExpressionAttributeValues: { ':v': version, ':lease': lease.id, ':pub': pub },
    };
  }
  return {
    TableName: table,
    Key: { pk: key },
    UpdateExpression: 'SET #pub = :pub',
    ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#pub) OR #pub.#pv < :v OR (#pub.#pv = :v AND #pub.#pat < :at))',
    ExpressionAttributeNames: { '#pub': 'pub', '#pv': 'version', '#pat': 'leaseAt' },
    ExpressionAttributeValues: { ':v': version, ':at': lease.at, ':pub': pub },
  };
}

/**
 * A republish's lease on the item's current version, taken only if the item is still at that
 * version and its lease is still the one the caller saw (none, or a stale one it replaces).
 */
export function buildClaimLeaseRequest(
  table: string,
  key: string,
  version: number,
  seen: PublishLease | undefined,
  next: PublishLease,
): UpdateCommandInput {
  const values: Record<string, unknown> = { ':v': version, ':now': next.at, ':shard': outboxShardOf(key), ':lease': next.id };
  let condition: string;
  if (seen === undefined) condition = '#v = :v AND attribute_not_exists(outboxAt)';
  else if (seen.id === '') {
    // A mark written before leases had ids: it is identified by its time alone.
    values[':seenAt'] = seen.at;
    condition = '#v = :v AND outboxAt = :seenAt AND attribute_not_exists(outboxLease)';
  } else {
    values[':seen'] = seen.id;
    condition = '#v = :v AND outboxLease = :seen';
  }
  return {
    TableName: table,
    Key: { pk: key },
    UpdateExpression: 'SET outboxAt = :now, outboxShard = :shard, outboxLease = :lease',
    ConditionExpression: condition,
    ExpressionAttributeNames: { '#v': 'version' },
    ExpressionAttributeValues: values,
  };
}

export function buildPublishStateRequest(table: string, key: string): GetCommandInput {
  return {
    TableName: table,
    Key: { pk: key },
    ConsistentRead: true,
    ProjectionExpression: '#v, outboxAt, outboxLease, #pub',
    ExpressionAttributeNames: { '#v': 'version', '#pub': 'pub' },
  };
}

export function buildGetRequest(table: string, key: string, consistent: boolean): GetCommandInput {
  return { TableName: table, Key: { pk: key }, ConsistentRead: consistent };
}
