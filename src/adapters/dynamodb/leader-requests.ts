import type { DeleteCommandInput, GetCommandInput, PutCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CommitRequest, PublishLease } from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { Expected, stampOf, type VersionStamp } from '../../core/versions';
import { HELD_ON_REFUSAL } from './conditional-write';
import { outboxShardOf, type PublishedAttribute } from './item-attributes';
import { allOf, anyOf, type ConditionPart, condition, conditionFields, ITEM_STAMP, PUBLISHED_STAMP, versionCondition } from './version-conditions';

/**
 * Pure request builders for the leader table (DynamoDB Toolbox style): unit-testable without a
 * table, and the single place the leader's conditional-write rules are spelled out.
 */
export function buildCommitRequest(table: string, req: CommitRequest): UpdateCommandInput {
  const names: Record<string, string> = { '#v': 'version', '#d': 'deleted', '#tm': 'term' };
  const values: Record<string, unknown> = {
    ':term': req.term,
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
    '#tm = :term',
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
  // A writer whose term ended never overwrites what a newer term wrote (a deposed leader's store
  // that now follows holds the new terms' versions).
  // The same write sent again (its writeId on the newest version) is not committed twice (core/write-replay.ts).
  const conditions: ConditionPart[] = [condition('attribute_not_exists(#tm) OR #tm <= :term'), condition('attribute_not_exists(writeId) OR writeId <> :wid')];
  // Deleting what is absent (never written, or already a tombstone) is a 404, not a new version.
  if (req.op === 'delete') conditions.push(condition('attribute_exists(pk) AND #d = :false', {}, { ':false': false }));
  if (req.expectedVersion !== undefined) {
    conditions.push(versionCondition(Expected.counter(req.expectedVersion), ITEM_STAMP, ':expected'), condition('#d = :false', {}, { ':false': false }));
  }
  return {
    TableName: table,
    Key: { pk: req.key },
    UpdateExpression: update,
    ...conditionFields(allOf(...conditions), names, values),
    // What the item held before: the prior version's lease and publish record decide when this
    // version may be published (core/publish-order.ts); on a refusal, why it was refused.
    ReturnValues: 'ALL_OLD',
    ...HELD_ON_REFUSAL,
  };
}

/**
 * Records that `published` is in the log. `clear`: the version still holds the lease it was
 * published under, so the mark goes too. `record`: a newer version or lease holds the mark, and
 * the record is left for whoever waits on ours; an older record never replaces a newer one.
 */
export function buildRecordPublishedRequest(
  table: string,
  key: string,
  published: VersionStamp,
  lease: PublishLease,
  position: LogPosition,
  mode: 'clear' | 'record',
): UpdateCommandInput {
  const pub: PublishedAttribute = { ...stampOf(published), lease: lease.id, leaseAt: lease.at, partition: position.partition, offset: position.offset };
  if (mode === 'clear') {
    return {
      TableName: table,
      Key: { pk: key },
      UpdateExpression: 'SET #pub = :pub REMOVE outboxAt, outboxShard, outboxLease',
      ...conditionFields(allOf(versionCondition(Expected.exactly(published)), condition('outboxLease = :lease', {}, { ':lease': lease.id })), { '#pub': 'pub' }, { ':pub': pub }),
    };
  }
  // Publish records are ordered by version, then by lease start (a republish of the same version).
  const newer = anyOf(
    versionCondition(Expected.olderThan(published), PUBLISHED_STAMP),
    allOf(versionCondition(Expected.exactly(published), PUBLISHED_STAMP), condition('#pub.#pat < :at', { '#pat': 'leaseAt' }, { ':at': lease.at })),
  );
  return {
    TableName: table,
    Key: { pk: key },
    UpdateExpression: 'SET #pub = :pub',
    ...conditionFields(allOf(condition('attribute_exists(pk)'), newer), {}, { ':pub': pub }),
  };
}

/**
 * A republish's lease on the item's current version, taken only if the item is still at that
 * version and its lease is still the one the caller saw (none, or a stale one it replaces).
 */
export function buildClaimLeaseRequest(
  table: string,
  key: string,
  current: VersionStamp,
  seen: PublishLease | undefined,
  next: PublishLease,
): UpdateCommandInput {
  let lease: ConditionPart;
  if (seen === undefined) lease = condition('attribute_not_exists(outboxAt)');
  // A mark written before leases had ids: it is identified by its time alone.
  else if (seen.id === '') lease = condition('outboxAt = :seenAt AND attribute_not_exists(outboxLease)', {}, { ':seenAt': seen.at });
  else lease = condition('outboxLease = :seen', {}, { ':seen': seen.id });
  return {
    TableName: table,
    Key: { pk: key },
    UpdateExpression: 'SET outboxAt = :now, outboxShard = :shard, outboxLease = :lease',
    ...conditionFields(allOf(versionCondition(Expected.exactly(current)), lease), {}, { ':now': next.at, ':shard': outboxShardOf(key), ':lease': next.id }),
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

/**
 * Undoes a commit: puts back the item as it was (or deletes a key's first version), only while
 * the item is still that commit: its version, written by that write (its publish may have been
 * recorded and its mark cleared already).
 */
export function buildRevertRequest(
  table: string,
  key: string,
  committed: VersionStamp,
  writeId: string,
  previous: Record<string, unknown> | undefined,
): { kind: 'put'; input: PutCommandInput } | { kind: 'delete'; input: DeleteCommandInput } {
  const guard = conditionFields(allOf(versionCondition(Expected.exactly(committed)), condition('writeId = :wid', {}, { ':wid': writeId })));
  if (previous === undefined) return { kind: 'delete', input: { TableName: table, Key: { pk: key }, ...guard } };
  return { kind: 'put', input: { TableName: table, Item: { ...previous, pk: key }, ...guard } };
}
