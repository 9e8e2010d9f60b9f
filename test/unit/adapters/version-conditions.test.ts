import {
  allOf,
  anyOf,
  condition,
  conditionFields,
  ITEM_STAMP,
  PUBLISHED_STAMP,
  stampFromItem,
  versionCondition,
} from '../../../src/adapters/dynamodb/version-conditions';
import { Expected } from '../../../src/core/versions';

describe('DynamoDB version conditions', () => {
  it('spells each expectation of the item version as a condition expression', () => {
    expect(versionCondition(Expected.absent)).toEqual({ expression: 'attribute_not_exists(pk)', names: {}, values: {} });
    expect(versionCondition(Expected.exactly({ version: 4 }))).toEqual({ expression: '#v = :v', names: { '#v': 'version' }, values: { ':v': 4 } });
    expect(versionCondition(Expected.olderThan({ version: 4 }))).toEqual({
      expression: 'attribute_not_exists(pk) OR #v < :v',
      names: { '#v': 'version' },
      values: { ':v': 4 },
    });
  });

  it('compares the version inside the publish record under its own placeholders', () => {
    expect(versionCondition(Expected.olderThan({ version: 2 }), PUBLISHED_STAMP)).toEqual({
      expression: 'attribute_not_exists(#pub) OR #pub.#pv < :v',
      names: { '#pub': 'pub', '#pv': 'version' },
      values: { ':v': 2 },
    });
    expect(versionCondition(Expected.absent, PUBLISHED_STAMP).names).toEqual({ '#pub': 'pub' });
  });

  it('names the compared value as asked, so two conditions can share a request', () => {
    expect(versionCondition(Expected.exactly({ version: 9 }), ITEM_STAMP, ':expected').values).toEqual({ ':expected': 9 });
  });

  it('combines parts so that each reads as it binds, merging their placeholders', () => {
    const part = allOf(condition('attribute_exists(pk)'), anyOf(versionCondition(Expected.olderThan({ version: 1 })), condition('#d = :d', { '#d': 'deleted' }, { ':d': true })));
    expect(part.expression).toBe('attribute_exists(pk) AND (attribute_not_exists(pk) OR #v < :v OR #d = :d)');
    expect(conditionFields(part, { '#x': 'x' }, { ':x': 1 })).toEqual({
      ConditionExpression: part.expression,
      ExpressionAttributeNames: { '#x': 'x', '#v': 'version', '#d': 'deleted' },
      ExpressionAttributeValues: { ':x': 1, ':v': 1, ':d': true },
    });
    expect(conditionFields(undefined)).toEqual({});
  });

  it('reads a stamp back from a stored item', () => {
    expect(stampFromItem({ pk: 'a', version: 7, doc: '1' })).toEqual({ version: 7 });
  });
});
