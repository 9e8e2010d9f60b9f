import type { ExpectedVersion, VersionStamp } from '../../core/versions';

/**
 * The version rule of core/versions.ts as DynamoDB condition expressions: the one place a
 * request says "newer than", "exactly" or "absent" about a stored version. Leader failover adds
 * the term here (and in core/versions.ts); the request builders that use these parts do not change.
 */
export interface ConditionPart {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** Where a stamp is stored in an item, and which placeholders stand for it. */
export interface StampLocation {
  /** The attribute whose absence means "no version held": the key, or the map holding the stamp. */
  presence: string;
  /** The version attribute's path, in placeholders. */
  version: string;
  names: Record<string, string>;
}

/** The item's own version (leader and follower items alike, adapters/dynamodb/item-attributes.ts). */
export const ITEM_STAMP: StampLocation = { presence: 'pk', version: '#v', names: { '#v': 'version' } };

/** The version inside a leader item's publish record (`pub`). */
export const PUBLISHED_STAMP: StampLocation = { presence: '#pub', version: '#pub.#pv', names: { '#pub': 'pub', '#pv': 'version' } };

/** The stamp attributes for a projection (`pk, #v`), with their names. */
export const STAMP_PROJECTION = { attributes: '#v', names: { '#v': 'version' } };

/** A stored item's stamp, as a projection or a full read returns it. */
export function stampFromItem(item: Record<string, unknown>): VersionStamp {
  return { version: Number(item.version) };
}

/**
 * `expected` of the stamp at `at`. `value` names the placeholder of the compared version, so a
 * request can hold two version conditions (or keep a placeholder its tests know).
 */
export function versionCondition(expected: ExpectedVersion, at: StampLocation = ITEM_STAMP, value = ':v'): ConditionPart {
  const presenceNames = at.presence.startsWith('#') ? { [at.presence]: at.names[at.presence] as string } : {};
  if (expected.kind === 'absent') return { expression: `attribute_not_exists(${at.presence})`, names: presenceNames, values: {} };
  const values = { [value]: expected.stamp.version };
  if (expected.kind === 'exactly') return { expression: `${at.version} = ${value}`, names: at.names, values };
  return { expression: `attribute_not_exists(${at.presence}) OR ${at.version} < ${value}`, names: at.names, values };
}

/** A literal condition with its own placeholders, to combine with version conditions. */
export function condition(expression: string, names: Record<string, string> = {}, values: Record<string, unknown> = {}): ConditionPart {
  return { expression, names, values };
}

/** Parenthesises a part joined by the other operator, so a combination reads as it binds. */
const wrap = (part: ConditionPart, joiner: ' AND ' | ' OR ') =>
  part.expression.includes(joiner === ' AND ' ? ' OR ' : ' AND ') ? `(${part.expression})` : part.expression;

function join(parts: readonly ConditionPart[], joiner: ' AND ' | ' OR '): ConditionPart {
  return {
    expression: parts.map((p) => wrap(p, joiner)).join(joiner),
    names: Object.assign({}, ...parts.map((p) => p.names)),
    values: Object.assign({}, ...parts.map((p) => p.values)),
  };
}

/** Every part holds. */
export const allOf = (...parts: ConditionPart[]): ConditionPart => join(parts, ' AND ');

/** Any part holds. */
export const anyOf = (...parts: ConditionPart[]): ConditionPart => join(parts, ' OR ');

/**
 * A request's expression fields: its own names and values merged with those of the condition,
 * if it has one.
 */
export function conditionFields(
  part: ConditionPart | undefined,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): { ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
  const allNames = { ...names, ...part?.names };
  const allValues = { ...values, ...part?.values };
  return {
    ...(part ? { ConditionExpression: part.expression } : {}),
    ...(Object.keys(allNames).length > 0 ? { ExpressionAttributeNames: allNames } : {}),
    ...(Object.keys(allValues).length > 0 ? { ExpressionAttributeValues: allValues } : {}),
  };
}
