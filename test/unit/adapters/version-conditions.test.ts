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
  it('spells each expectation of the item stamp as a condition expression, an absent term being the first', () => {
    expect(versionCondition(Expected.absent)).toEqual({ expression: 'attribute_not_exists(pk)', names: {}, values: {} });
    expect(versionCondition(Expected.exactly({ version: 4 }))).toEqual({
      expression: '#v = :v AND (attribute_not_exists(#tm) OR #tm = :vt)',
      names: { '#v': 'version', '#tm': 'term' },
      values: { ':v': 4, ':vt': 1 },
    });
    expect(versionCondition(Expected.olderThan({ version: 4 }))).toEqual({
      expression: 'attribute_not_exists(pk) OR ((attribute_not_exists(#tm) OR #tm = :vt) AND #v < :v)',
      names: { '#v': 'version', '#tm': 'term' },
      values: { ':v': 4, ':vt': 1 },
    });
  });

  it('orders by term first: older than (3, 4) is any lower term, or term 3 below version 4', () => {
    expect(versionCondition(Expected.olderThan({ term: 3, version: 4 }))).toEqual({
      expression: 'attribute_not_exists(pk) OR attribute_not_exists(#tm) OR #tm < :vt OR (#tm = :vt AND #v < :v)',
      names: { '#v': 'version', '#tm': 'term' },
      values: { ':v': 4, ':vt': 3 },
    });
    expect(versionCondition(Expected.exactly({ term: 3, version: 4 })).expression).toBe('#v = :v AND #tm = :vt');
  });

  it('matches If-Match on the version number alone, naming only what it uses', () => {
    expect(versionCondition(Expected.counter(7), ITEM_STAMP, ':expected')).toEqual({ expression: '#v = :expected', names: { '#v': 'version' }, values: { ':expected': 7 } });
  });

  it('compares the stamp inside the publish record under its own placeholders', () => {
    expect(versionCondition(Expected.olderThan({ version: 2 }), PUBLISHED_STAMP)).toEqual({
      expression: 'attribute_not_exists(#pub) OR ((attribute_not_exists(#pub.#ptm) OR #pub.#ptm = :vt) AND #pub.#pv < :v)',
      names: { '#pub': 'pub', '#pv': 'version', '#ptm': 'term' },
      values: { ':v': 2, ':vt': 1 },
    });
    expect(versionCondition(Expected.absent, PUBLISHED_STAMP).names).toEqual({ '#pub': 'pub' });
  });

  it('names the compared value as asked, so two conditions can share a request', () => {
    expect(versionCondition(Expected.exactly({ version: 9 }), ITEM_STAMP, ':expected').values).toEqual({ ':expected': 9, ':expectedt': 1 });
  });

  it('combines parts so that each reads as it binds, merging their placeholders', () => {
    const part = allOf(condition('attribute_exists(pk)'), anyOf(versionCondition(Expected.olderThan({ version: 1 })), condition('#d = :d', { '#d': 'deleted' }, { ':d': true })));
    expect(part.expression).toBe('attribute_exists(pk) AND ((attribute_not_exists(pk) OR ((attribute_not_exists(#tm) OR #tm = :vt) AND #v < :v)) OR #d = :d)');
    expect(conditionFields(part, { '#x': 'x' }, { ':x': 1 })).toEqual({
      ConditionExpression: part.expression,
      ExpressionAttributeNames: { '#x': 'x', '#v': 'version', '#tm': 'term', '#d': 'deleted' },
      ExpressionAttributeValues: { ':x': 1, ':v': 1, ':vt': 1, ':d': true },
    });
    expect(conditionFields(undefined)).toEqual({});
  });

  it('reads a stamp back from a stored item', () => {
    expect(stampFromItem({ pk: 'a', version: 7, doc: '1' })).toEqual({ version: 7 });
    expect(stampFromItem({ pk: 'a', version: 7, term: 1 })).toEqual({ version: 7 });
    expect(stampFromItem({ pk: 'a', version: 7, term: 2 })).toEqual({ term: 2, version: 7 });
  });
});
