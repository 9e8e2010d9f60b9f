import { type ExpectedVersion, FIRST_TERM, stampOf, termOf, type VersionStamp } from '../../core/versions';

/**
 * The version rule of core/versions.ts as DynamoDB condition expressions: the one place a
 * request says "newer than", "exactly" or "absent" about a stored version. A stamp is (term,
 * version), compared term first; a stored stamp without a term is of the first term.
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
  /** The term attribute's path, in placeholders. */
  term: string;
  names: Record<string, string>;
}

/** The item's own version (leader and follower items alike, adapters/dynamodb/item-attributes.ts). */
export const ITEM_STAMP: StampLocation = { presence: 'pk', version: '#v', term: '#tm', names: { '#v': 'version', '#tm': 'term' } };

/** The version inside a leader item's publish record (`pub`). */
export const PUBLISHED_STAMP: StampLocation = {
  presence: '#pub',
  version: '#pub.#pv',
  term: '#pub.#ptm',
  names: { '#pub': 'pub', '#pv': 'version', '#ptm': 'term' },
};

/** The stamp attributes for a projection (`pk, #v, #tm`), with their names. */
export const STAMP_PROJECTION = { attributes: '#v, #tm', names: { '#v': 'version', '#tm': 'term' } };

/** A stored item's stamp, as a projection or a full read returns it. */
export function stampFromItem(item: Record<string, unknown>): VersionStamp {
  return stampOf({ version: Number(item.version), ...(item.term === undefined ? {} : { term: Number(item.term) }) });
}

/** `attribute = value` for the stamp's term, where an absent attribute is the first term. */
function termIs(at: StampLocation, value: string, term: number): string {
  return term === FIRST_TERM ? `(attribute_not_exists(${at.term}) OR ${at.term} = ${value})` : `${at.term} = ${value}`;
}

/**
 * `expected` of the stamp at `at`. `value` names the placeholder of the compared version, so a
 * request can hold two version conditions (or keep a placeholder its tests know).
 */
export function versionCondition(expected: ExpectedVersion, at: StampLocation = ITEM_STAMP, value = ':v'): ConditionPart {
  const presenceNames = at.presence.startsWith('#') ? { [at.presence]: at.names[at.presence] as string } : {};
  if (expected.kind === 'absent') return { expression: `attribute_not_exists(${at.presence})`, names: presenceNames, values: {} };
  const versionNames = { ...presenceNames, [at.version.split('.').pop() as string]: at.names[at.version.split('.').pop() as string] as string };
  if (expected.kind === 'counter') return { expression: `${at.version} = ${value}`, names: versionNames, values: { [value]: expected.version } };
  const term = termOf(expected.stamp);
  const t = `${value}t`;
  const values = { [value]: expected.stamp.version, [t]: term };
  if (expected.kind === 'exactly') return { expression: `${at.version} = ${value} AND ${termIs(at, t, term)}`, names: at.names, values };
  // Older than (term, version): a lower term, or the same term and a lower version.
  const olderTerm = term === FIRST_TERM ? undefined : `attribute_not_exists(${at.term}) OR ${at.term} < ${t}`;
  const sameTermOlder = `(${termIs(at, t, term)} AND ${at.version} < ${value})`;
  return {
    expression: [`attribute_not_exists(${at.presence})`, ...(olderTerm ? [olderTerm] : []), sameTermOlder].join(' OR '),
    names: at.names,
    values,
  };
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
