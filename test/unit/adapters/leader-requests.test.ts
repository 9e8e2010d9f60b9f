import { buildApplyRequest } from '../../../src/adapters/dynamodb/follower-requests';
import { buildClaimLeaseRequest, buildCommitRequest, buildRecordPublishedRequest } from '../../../src/adapters/dynamodb/leader-requests';
import { changeEvent } from '../../support/event-fixtures';

const base = { key: 'k', writeId: 'w', now: 1000, term: 1 };

describe('leader request builders', () => {
  it('builds a put that bumps the version, stores the value as JSON text and leaves the outbox mark', () => {
    const req = buildCommitRequest('leader', { ...base, op: 'put', value: { a: 1 } });
    expect(req.UpdateExpression).toContain('#v = if_not_exists(#v, :zero) + :one');
    expect(req.UpdateExpression).toContain('outboxAt = :now');
    expect(req.UpdateExpression).toContain('outboxLease = :wid');
    expect(req.UpdateExpression).toContain('doc = :doc');
    expect(req.ExpressionAttributeValues).toMatchObject({ ':doc': '{"a":1}', ':del': false, ':now': 1000 });
    // The writer's term goes on the item, and a newer term's item is never overwritten by it.
    expect(req.UpdateExpression).toContain('#tm = :term');
    // The same write sent again (its writeId on the newest version) is refused, not committed twice.
    expect(req.ConditionExpression).toBe('(attribute_not_exists(#tm) OR #tm <= :term) AND (attribute_not_exists(writeId) OR writeId <> :wid)');
    expect(req.ExpressionAttributeValues).toMatchObject({ ':term': 1 });
    expect(req.ReturnValues).toBe('ALL_OLD');
  });

  it('adds a version condition for If-Match', () => {
    const req = buildCommitRequest('leader', { ...base, op: 'put', value: 1, expectedVersion: 4 });
    expect(req.ConditionExpression).toBe('(attribute_not_exists(#tm) OR #tm <= :term) AND (attribute_not_exists(writeId) OR writeId <> :wid) AND #v = :expected AND #d = :false');
    expect(req.ExpressionAttributeValues).toMatchObject({ ':expected': 4 });
  });

  it('builds a delete as a tombstone that only applies to a live item', () => {
    const req = buildCommitRequest('leader', { ...base, op: 'delete', value: null });
    expect(req.UpdateExpression).toMatch(/REMOVE doc$/);
    expect(req.ConditionExpression).toBe('(attribute_not_exists(#tm) OR #tm <= :term) AND (attribute_not_exists(writeId) OR writeId <> :wid) AND attribute_exists(pk) AND #d = :false');
    expect(req.ExpressionAttributeValues).toMatchObject({ ':del': true });
    expect(req.ExpressionAttributeValues).not.toHaveProperty(':doc');
  });

  it('records a publish and clears the mark only while the version still holds the lease it was published under', () => {
    const req = buildRecordPublishedRequest('leader', 'k', { version: 7 }, { id: 'w7', at: 50 }, { partition: 2, offset: '41' }, 'clear');
    expect(req.UpdateExpression).toBe('SET #pub = :pub REMOVE outboxAt, outboxShard, outboxLease');
    expect(req.ConditionExpression).toBe('(#v = :v AND (attribute_not_exists(#tm) OR #tm = :vt)) AND outboxLease = :lease');
    expect(req.ExpressionAttributeValues).toEqual({
      ':v': 7,
      ':vt': 1,
      ':lease': 'w7',
      ':pub': { version: 7, lease: 'w7', leaseAt: 50, partition: 2, offset: '41' },
    });
  });

  it('records a publish for a waiting successor without touching its mark, and never over a newer record', () => {
    const req = buildRecordPublishedRequest('leader', 'k', { version: 7 }, { id: 'w7', at: 50 }, { partition: 2, offset: '41' }, 'record');
    expect(req.UpdateExpression).toBe('SET #pub = :pub');
    expect(req.ConditionExpression).toBe('attribute_exists(pk) AND ((attribute_not_exists(#pub) OR ((attribute_not_exists(#pub.#ptm) OR #pub.#ptm = :vt) AND #pub.#pv < :v)) OR ((#pub.#pv = :v AND (attribute_not_exists(#pub.#ptm) OR #pub.#ptm = :vt)) AND #pub.#pat < :at))');
  });

  it('claims a lease for a republish only over the lease the caller saw', () => {
    expect(buildClaimLeaseRequest('leader', 'k', { version: 3 }, undefined, { id: 'c1', at: 9 }).ConditionExpression).toBe('(#v = :v AND (attribute_not_exists(#tm) OR #tm = :vt)) AND attribute_not_exists(outboxAt)');
    expect(buildClaimLeaseRequest('leader', 'k', { version: 3 }, { id: 'w3', at: 1 }, { id: 'c1', at: 9 }).ConditionExpression).toBe('(#v = :v AND (attribute_not_exists(#tm) OR #tm = :vt)) AND outboxLease = :seen');
    const legacy = buildClaimLeaseRequest('leader', 'k', { version: 3 }, { id: '', at: 1 }, { id: 'c1', at: 9 });
    expect(legacy.ConditionExpression).toBe('(#v = :v AND (attribute_not_exists(#tm) OR #tm = :vt)) AND outboxAt = :seenAt AND attribute_not_exists(outboxLease)');
    expect(legacy.UpdateExpression).toBe('SET outboxAt = :now, outboxShard = :shard, outboxLease = :lease');
  });
});

describe('follower apply request builder', () => {
  it('writes the full state only if newer than what the table holds', () => {
    const req = buildApplyRequest('f', changeEvent({ key: 'a', version: 3, value: [1] }), 99);
    expect(req.ConditionExpression).toBe('attribute_not_exists(pk) OR ((attribute_not_exists(#tm) OR #tm = :vt) AND #v < :v)');
    expect(req.ExpressionAttributeValues).toEqual({ ':v': 3, ':vt': 1 });
    expect(req.Item).toMatchObject({ pk: 'a', version: 3, doc: '[1]', deleted: false, appliedAt: 99 });
  });

  it('writes a delete as a tombstone without a value', () => {
    const req = buildApplyRequest('f', changeEvent({ op: 'delete', value: null, version: 2 }), 1);
    expect(req.Item).toMatchObject({ deleted: true, version: 2 });
    expect(req.Item).not.toHaveProperty('doc');
  });
});
