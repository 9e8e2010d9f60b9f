import { buildApplyRequest } from '../../../src/adapters/dynamodb/follower-requests';
import { buildClearMarkRequest, buildCommitRequest } from '../../../src/adapters/dynamodb/leader-requests';
import { changeEvent } from '../../support/event-fixtures';

const base = { key: 'k', writeId: 'w', now: 1000 };

describe('leader request builders', () => {
  it('builds a put that bumps the version, stores the value as JSON text and leaves the outbox mark', () => {
    const req = buildCommitRequest('leader', { ...base, op: 'put', value: { a: 1 } });
    expect(req.UpdateExpression).toContain('#v = if_not_exists(#v, :zero) + :one');
    expect(req.UpdateExpression).toContain('outboxAt = :now');
    expect(req.UpdateExpression).toContain('doc = :doc');
    expect(req.ExpressionAttributeValues).toMatchObject({ ':doc': '{"a":1}', ':del': false, ':now': 1000 });
    expect(req.ConditionExpression).toBeUndefined();
    expect(req.ReturnValues).toBe('ALL_NEW');
  });

  it('adds a version condition for If-Match', () => {
    const req = buildCommitRequest('leader', { ...base, op: 'put', value: 1, expectedVersion: 4 });
    expect(req.ConditionExpression).toBe('#v = :expected AND #d = :false');
    expect(req.ExpressionAttributeValues).toMatchObject({ ':expected': 4 });
  });

  it('builds a delete as a tombstone that only applies to a live item', () => {
    const req = buildCommitRequest('leader', { ...base, op: 'delete', value: null });
    expect(req.UpdateExpression).toMatch(/REMOVE doc$/);
    expect(req.ConditionExpression).toBe('attribute_exists(pk) AND #d = :false');
    expect(req.ExpressionAttributeValues).toMatchObject({ ':del': true });
    expect(req.ExpressionAttributeValues).not.toHaveProperty(':doc');
  });

  it('clears an outbox mark only for the version that set it', () => {
    const req = buildClearMarkRequest('leader', 'k', 7);
    expect(req.UpdateExpression).toBe('REMOVE outboxAt, outboxShard');
    expect(req.ConditionExpression).toBe('#v = :v AND attribute_exists(outboxAt)');
    expect(req.ExpressionAttributeValues).toEqual({ ':v': 7 });
  });
});

describe('follower apply request builder', () => {
  it('writes the full state only if newer than what the table holds', () => {
    const req = buildApplyRequest('f', changeEvent({ key: 'a', version: 3, value: [1] }), 99);
    expect(req.ConditionExpression).toBe('attribute_not_exists(pk) OR #v < :v');
    expect(req.ExpressionAttributeValues).toEqual({ ':v': 3 });
    expect(req.Item).toMatchObject({ pk: 'a', version: 3, doc: '[1]', deleted: false, appliedAt: 99 });
  });

  it('writes a delete as a tombstone without a value', () => {
    const req = buildApplyRequest('f', changeEvent({ op: 'delete', value: null, version: 2 }), 1);
    expect(req.Item).toMatchObject({ deleted: true, version: 2 });
    expect(req.Item).not.toHaveProperty('doc');
  });
});
