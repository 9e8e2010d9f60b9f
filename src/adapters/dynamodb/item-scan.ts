import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ValidationError } from '../../core/errors';
import type { ItemPage, StoredItem } from '../../core/ports';
import { type ItemRecord, toStoredItem } from './item-attributes';
import { scanPages } from './scan-pages';

/** A page never costs more than this many Scan calls, however many tombstones it skips. */
const MAX_SCANS_PER_PAGE = 10;

const cursorSchema = z.object({ pk: z.string().min(1).max(2048) }).strict();

/** The cursor is DynamoDB's LastEvaluatedKey (just `pk`) as base64url JSON: opaque to clients, checked on the way back in. */
export function encodeCursor(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { pk: string } {
  const invalid = () => new ValidationError('BAD_QUERY', 'cursor is not a cursor this API returned');
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw invalid();
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch (cause) {
    throw new ValidationError('BAD_QUERY', 'cursor is not a cursor this API returned', { cause });
  }
}

/**
 * Lists live items (tombstones are filtered out) in the table's own order. DynamoDB applies Limit
 * before the filter, so a page keeps scanning with the remaining count until it is full or the
 * table ends; each call asks for no more than it still needs, so the last evaluated key is an
 * exact resume point and no item is skipped or repeated between pages.
 */
export async function scanLiveItems(
  client: DynamoDBDocumentClient,
  table: string,
  page: { limit: number; cursor?: string },
): Promise<ItemPage> {
  const items: StoredItem[] = [];
  const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  if (page.limit <= 0) return { items, cursor: page.cursor };
  let rounds = 0;
  const request = () => ({
    TableName: table,
    Limit: page.limit - items.length,
    ConsistentRead: true,
    ProjectionExpression: 'pk, #v, doc, deleted, updatedAt',
    FilterExpression: 'deleted = :false',
    ExpressionAttributeNames: { '#v': 'version' },
    ExpressionAttributeValues: { ':false': false },
  });
  const resume = await scanPages(
    client,
    request,
    (found) => {
      for (const item of found) items.push(toStoredItem(item as ItemRecord));
      rounds += 1;
      return rounds < MAX_SCANS_PER_PAGE && items.length < page.limit;
    },
    start,
  );
  return { items, cursor: resume === undefined ? undefined : encodeCursor(resume) };
}
