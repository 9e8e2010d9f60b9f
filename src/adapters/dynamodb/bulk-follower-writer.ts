import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChangeEvent } from '../../core/change-event';
import { UnavailableError } from '../../core/errors';
import type { ReplaySink } from '../../core/ports';
import type { VersionStamp } from '../../core/versions';
import { translateDynamoError } from './dynamo-errors';
import type { DynamoFollowerTable } from './follower-table';
import { buildApplyRequest } from './follower-requests';
import { DynamoReplicaScanner } from './replica-scanner';
import { leaderTableDefinition } from './table-definitions';
import { recreateTable } from './table-lifecycle';

/** BatchWriteItem's limit of requests per call. */
export const BATCH_WRITE_LIMIT = 25;
/** Rounds of resubmitting UnprocessedItems (throttling) before the chunk fails and is retried whole. */
const UNPROCESSED_ROUNDS = 10;

export interface BatchWriteOptions {
  /** BatchWriteItem calls in flight at once. */
  concurrency: number;
}

/**
 * Puts items with BatchWriteItem, 25 per call, `concurrency` calls in flight, resubmitting what
 * DynamoDB hands back unprocessed with exponential backoff. Unconditional: keys must be distinct.
 */
export async function batchPutItems(
  client: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  options: BatchWriteOptions,
): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) chunks.push(items.slice(i, i + BATCH_WRITE_LIMIT));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as Record<string, unknown>[];
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 25 * 2 ** round)));
        if (round >= UNPROCESSED_ROUNDS) {
          throw new UnavailableError(`DynamoDB kept ${requests.length} writes to ${table} unprocessed (throttled)`);
        }
        try {
          const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        } catch (error) {
          throw translateDynamoError(error, 'BatchWriteItem', table);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, chunks.length) }, worker));
}

/**
 * The follower table as a replay writes it: BatchWriteItem for a rebuild (the replay owns the
 * fresh table exclusively and never writes an older version over a newer one itself), conditional
 * puts for a catch-up into a table that already holds data.
 */
export class BulkFollowerWriter implements ReplaySink {
  private readonly scanner: DynamoReplicaScanner;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly conditional: DynamoFollowerTable,
    private readonly options: BatchWriteOptions = { concurrency: 16 },
    private readonly now: () => number = Date.now,
  ) {
    this.scanner = new DynamoReplicaScanner(client, conditional.table);
  }

  get table(): string {
    return this.conditional.table;
  }

  recreate(): Promise<void> {
    // Leader-shaped like every replica table: a rebuilt replica can still lead.
    return recreateTable(this.client, this.table, leaderTableDefinition(this.table));
  }

  versions(): Promise<Map<string, VersionStamp>> {
    return this.scanner.versions();
  }

  async putAll(events: readonly ChangeEvent[]): Promise<void> {
    const appliedAt = this.now();
    const items = events.map((e) => buildApplyRequest(this.table, e, appliedAt).Item as Record<string, unknown>);
    await batchPutItems(this.client, this.table, items, this.options);
  }

  applyNewest(events: readonly ChangeEvent[]): Promise<{ applied: number; skipped: number }> {
    return this.conditional.applyNewest(events);
  }
}
