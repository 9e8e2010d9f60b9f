import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeEvent } from '../../core/change-event';
import type { FollowerStore, ItemLister, ItemPage, StoredItem } from '../../core/ports';
import { getStoredItem } from './item-get';
import { conditionalWrite } from './conditional-write';
import { scanLiveItems } from './item-scan';
import { buildApplyRequest } from './follower-requests';

/** Parallel conditional puts: keys in one call are distinct (the core de-duplicates per key). */
const APPLY_CONCURRENCY = 16;

export class DynamoFollowerTable implements FollowerStore, ItemLister {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async applyNewest(events: readonly ChangeEvent[]): Promise<{ applied: number; skipped: number }> {
    let applied = 0;
    let skipped = 0;
    let next = 0;
    const appliedAt = this.now();
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const event = events[next++] as ChangeEvent;
        const request = buildApplyRequest(this.table, event, appliedAt);
        if (await conditionalWrite(() => this.client.send(new PutCommand(request)), 'PutItem', this.table)) applied += 1;
        else skipped += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(APPLY_CONCURRENCY, events.length) }, worker));
    return { applied, skipped };
  }

  listItems(page: { limit: number; cursor?: string }): Promise<ItemPage> {
    return scanLiveItems(this.client, this.table, page);
  }

  get(key: string): Promise<StoredItem | undefined> {
    return getStoredItem(this.client, this.table, key);
  }
}
