import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ChangeEvent } from '../../core/change-event';
import { batchPutItems } from './bulk-follower-writer';
import { conditionalWrite } from './conditional-write';
import { translateDynamoError } from './dynamo-errors';
import { buildApplyRequest } from './follower-requests';
import type { ItemRecord } from './item-attributes';
import { buildCommitRequest } from './leader-requests';
import { leaderTableDefinition, simpleTableDefinition } from './table-definitions';
import { ensureTables } from './table-provisioner';
import { scanPages } from './scan-pages';

export interface ApplyTimes {
  key: string;
  /** Leader commit time carried by the event (epoch ms). */
  committedAt: number;
  /** When the follower applied it (epoch ms). */
  appliedAt: number;
}

type ProbeTable = 'leaderLike' | 'followerLike' | 'bulk' | 'copy';

/**
 * The store's side of the benchmark floor: the very requests replog sends (same builders, same
 * client settings), issued directly, without any replog code around them. Works on scratch
 * tables of the leader's and a follower's shape so nothing here is ever replicated or relayed.
 */
export class DynamoFloorProbe {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tables: { leaderLike: string; followerLike: string; bulk: string; copy?: string },
  ) {}

  private created: string[] = [];

  /** Creates the scratch tables (`only`: just those a measurement uses, e.g. the capacity probe's leader-shaped one). */
  async create(only?: readonly ProbeTable[]): Promise<void> {
    const wanted = (only ?? (['leaderLike', 'followerLike', 'bulk', 'copy'] as const)).filter((t) => this.tables[t] !== undefined);
    // The bulk and copy tables have a replica's shape (the outbox index included), as the table a
    // rebuild writes does, so a rebuild is measured against the same work. The follower cycle's
    // table stays plain: the floor must stay a lower bound.
    await ensureTables(
      this.client,
      wanted.map((t) => (t === 'followerLike' ? simpleTableDefinition(this.tables[t] as string) : leaderTableDefinition(this.tables[t] as string))),
    );
    this.created = wanted.map((t) => this.tables[t] as string);
  }

  /** The leader's commit: one conditional UpdateItem that bumps the version and leaves an outbox mark. */
  async conditionalCommit(key: string, value: unknown, now: number): Promise<void> {
    const request = buildCommitRequest(this.tables.leaderLike, {
      key,
      op: 'put',
      value: value as never,
      writeId: `floor-${now}`,
      term: 1,
      now,
    });
    try {
      await this.client.send(new UpdateCommand(request));
    } catch (error) {
      throw translateDynamoError(error, 'UpdateItem', this.tables.leaderLike);
    }
  }

  /** A follower's apply of one event: a conditional PutItem (newer version only). */
  async conditionalApply(event: ChangeEvent, appliedAt: number): Promise<void> {
    const request = buildApplyRequest(this.tables.followerLike, event, appliedAt);
    await conditionalWrite(() => this.client.send(new PutCommand(request)), 'PutItem', this.tables.followerLike);
  }

  /**
   * Follower-shaped items for every event, written with BatchWriteItem exactly as a replay's bulk
   * writer does it (25 per call, `concurrency` calls in flight): the store's own bulk ceiling.
   */
  async bulkWrite(events: readonly ChangeEvent[], appliedAt: number, concurrency: number): Promise<void> {
    const items = events.map((event) => buildApplyRequest(this.tables.bulk, event, appliedAt).Item as Record<string, unknown>);
    await batchPutItems(this.client, this.tables.bulk, items, { concurrency });
  }

  /**
   * A tuned copy of the bulk table into the copy table, the reference a rebuild is measured
   * against: a parallel Scan of `segments` segments, each writing its pages with BatchWriteItem
   * while the other segments read, `inFlight` BatchWriteItem calls in all. Returns the items copied.
   */
  async copyBulkTable(segments: number, inFlight: number): Promise<number> {
    const target = this.tables.copy;
    if (!target) throw new Error('the floor probe has no copy table');
    const perSegment = Math.max(1, Math.floor(inFlight / segments));
    let copied = 0;
    await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        let page: Record<string, unknown>[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          start = await scanPages(
            this.client,
            () => ({ TableName: this.tables.bulk, Segment: segment, TotalSegments: segments }),
            (items) => {
              page = items as Record<string, unknown>[];
              return false;
            },
            start,
          );
          await batchPutItems(this.client, target, page, { concurrency: perSegment });
          copied += page.length;
        } while (start !== undefined);
      }),
    );
    return copied;
  }

  async drop(): Promise<void> {
    await Promise.all(
      this.created.map((TableName) => this.client.send(new DeleteTableCommand({ TableName })).catch(() => undefined)),
    );
  }
}

/**
 * Reads back, from a follower table, when each item was committed on the leader and when the
 * follower applied it: the raw material of the apply-lag figure, with no instrumentation in the
 * apply path itself.
 */
export async function readApplyTimes(client: DynamoDBDocumentClient, table: string, keyPrefix: string): Promise<ApplyTimes[]> {
  const times: ApplyTimes[] = [];
  const request = () => ({
    TableName: table,
    ProjectionExpression: 'pk, updatedAt, appliedAt',
    FilterExpression: 'begins_with(pk, :p)',
    ExpressionAttributeValues: { ':p': keyPrefix },
  });
  await scanPages(client, request, (items) => {
    for (const raw of items as Pick<ItemRecord, 'pk' | 'updatedAt' | 'appliedAt'>[]) {
      if (raw.appliedAt !== undefined) times.push({ key: raw.pk, committedAt: raw.updatedAt, appliedAt: raw.appliedAt });
    }
    return undefined;
  });
  return times;
}
