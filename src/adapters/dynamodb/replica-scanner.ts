import type { DynamoDBDocumentClient, ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { JsonValue } from '../../core/item-value';
import type { ReplicaScanner } from '../../core/ports';
import { type ReplicaItemView, valueDigest } from '../../core/replica-diff';
import { isSameVersion, type VersionStamp } from '../../core/versions';
import type { PublishedAttribute } from './item-attributes';
import { STAMP_PROJECTION, stampFromItem } from './version-conditions';
import { scanPages } from './scan-pages';

/** Parallel scan segments: DynamoDB serves each segment from its own partitions. */
export const DEFAULT_SCAN_SEGMENTS = 8;

/**
 * Reads a whole table with a parallel segmented Scan, page by page, handing every item to
 * `onItem`. Consistent reads, so an item written before the scan started is seen at its newest.
 */
export async function scanTable(
  client: DynamoDBDocumentClient,
  table: string,
  projection: Pick<ScanCommandInput, 'ProjectionExpression' | 'ExpressionAttributeNames'>,
  onItem: (item: Record<string, unknown>) => void,
  segments = DEFAULT_SCAN_SEGMENTS,
): Promise<void> {
  const scanSegment = async (segment: number) => {
    const request = () => ({ TableName: table, ConsistentRead: true, Segment: segment, TotalSegments: segments, ...projection });
    await scanPages(client, request, (items) => {
      for (const item of items) onItem(item);
      return undefined;
    });
  };
  await Promise.all(Array.from({ length: segments }, (_, segment) => scanSegment(segment)));
}

/** Leader and follower tables share the item shape (item-attributes.ts), so one scanner serves both. */
export class DynamoReplicaScanner implements ReplicaScanner {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
    private readonly segments = DEFAULT_SCAN_SEGMENTS,
  ) {}

  async scan(): Promise<Map<string, ReplicaItemView>> {
    const views = new Map<string, ReplicaItemView>();
    await scanTable(
      this.client,
      this.table,
      // pub and outboxAt exist on leader items only (item-attributes.ts).
      { ProjectionExpression: 'pk, #v, #tm, deleted, doc, #pub, outboxAt', ExpressionAttributeNames: { '#v': 'version', '#tm': 'term', '#pub': 'pub' } },
      (item) => {
        const deleted = item.deleted === true;
        const value = !deleted && typeof item.doc === 'string' ? (JSON.parse(item.doc) as JsonValue) : null;
        const stamp = stampFromItem(item);
        const pub = item.pub as PublishedAttribute | undefined;
        views.set(String(item.pk), {
          ...stamp,
          deleted,
          digest: valueDigest(value, deleted),
          // A publish record of an older version says nothing about where this one is in the log.
          ...(pub !== undefined && isSameVersion(pub, stamp) ? { published: { partition: pub.partition, offset: pub.offset } } : {}),
          ...(item.outboxAt !== undefined ? { inFlight: true } : {}),
        });
      },
      this.segments,
    );
    return views;
  }

  async versions(): Promise<Map<string, VersionStamp>> {
    const versions = new Map<string, VersionStamp>();
    await scanTable(
      this.client,
      this.table,
      { ProjectionExpression: `pk, ${STAMP_PROJECTION.attributes}`, ExpressionAttributeNames: STAMP_PROJECTION.names },
      (item) => versions.set(String(item.pk), stampFromItem(item)),
      this.segments,
    );
    return versions;
  }
}
