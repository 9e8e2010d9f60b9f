import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { ReplayJournalStore } from '../../core/ports';
import type { ReplayJournalEntry } from '../../core/replay-journal';
import { conditionalWrite } from './conditional-write';
import { translateDynamoError } from './dynamo-errors';
import { scanPages } from './scan-pages';

const PREFIX = 'replay#';

export function replayJournalKey(followerId: string): string {
  return `${PREFIX}${followerId}`;
}

const offsets = z.record(z.string().regex(/^\d+$/), z.string().regex(/^\d+$/));
const entrySchema = z.object({
  followerId: z.string().min(1),
  mode: z.enum(['rebuild', 'catch-up']),
  from: z.string().min(1),
  phase: z.enum(['recreating-table', 'replaying']),
  starts: offsets,
  targets: offsets,
  progress: offsets,
  owner: z.string().min(1),
  startedAt: z.number(),
  heartbeatAt: z.number(),
  runs: z.number().int().nonnegative(),
});

/**
 * Replay journals live in the control table (`replay#<followerId>`), beside the control state.
 * `owner` and `heartbeatAt` are top-level attributes so the lease is a DynamoDB condition, not a
 * read-then-write race; the entry itself is JSON, validated on the way back in.
 */
export class DynamoReplayJournal implements ReplayJournalStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async load(followerId: string): Promise<ReplayJournalEntry | undefined> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.table, Key: { pk: replayJournalKey(followerId) }, ConsistentRead: true }),
      );
      return out.Item ? parseEntry(out.Item) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem', this.table);
    }
  }

  async list(): Promise<ReplayJournalEntry[]> {
    const entries: ReplayJournalEntry[] = [];
    const request = () => ({
      TableName: this.table,
      ConsistentRead: true,
      FilterExpression: 'begins_with(pk, :prefix)',
      ExpressionAttributeValues: { ':prefix': PREFIX },
    });
    await scanPages(this.client, request, (items) => {
      for (const item of items) {
        const entry = parseEntry(item);
        if (entry) entries.push(entry);
      }
      return undefined;
    });
    return entries;
  }

  async claim(entry: ReplayJournalEntry, now: number, leaseMs: number): Promise<boolean> {
    return this.put(entry, 'attribute_not_exists(pk) OR heartbeatAt < :stale OR #owner = :owner', { ':stale': now - leaseMs });
  }

  async save(entry: ReplayJournalEntry): Promise<boolean> {
    return this.put(entry, '#owner = :owner', {});
  }

  async remove(followerId: string, owner?: string): Promise<void> {
    const request = {
      TableName: this.table,
      Key: { pk: replayJournalKey(followerId) },
      ...(owner === undefined
        ? {}
        : { ConditionExpression: '#owner = :owner', ExpressionAttributeNames: { '#owner': 'owner' }, ExpressionAttributeValues: { ':owner': owner } }),
    };
    // Another owner's journal stays: removing only what this run owns is the point of the condition.
    await conditionalWrite(() => this.client.send(new DeleteCommand(request)), 'DeleteItem', this.table);
  }

  private put(entry: ReplayJournalEntry, condition: string, values: Record<string, unknown>): Promise<boolean> {
    const request = {
      TableName: this.table,
      Item: { pk: replayJournalKey(entry.followerId), owner: entry.owner, heartbeatAt: entry.heartbeatAt, entry: JSON.stringify(entry) },
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': entry.owner, ...values },
    };
    return conditionalWrite(() => this.client.send(new PutCommand(request)), 'PutItem', this.table);
  }
}

function parseEntry(item: Record<string, unknown>): ReplayJournalEntry | undefined {
  if (typeof item.entry !== 'string') return undefined;
  try {
    return entrySchema.parse(JSON.parse(item.entry)) as ReplayJournalEntry;
  } catch {
    // A journal this version cannot read is treated as absent rather than blocking the follower forever.
    return undefined;
  }
}
