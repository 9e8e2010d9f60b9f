import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { WatchReport } from '../../core/leader-watch';
import type { WatchReportStore } from '../../core/ports';
import { translateDynamoError } from './dynamo-errors';

export const WATCH_REPORT_KEY = 'leader-watch';

const reportSchema = z.object({
  watcher: z.string(),
  leader: z.string(),
  term: z.number().int().positive(),
  state: z.enum(['healthy', 'suspect', 'failing-over', 'blocked', 'off', 'moving']),
  reason: z.string().nullable(),
  failingSince: z.number().nullable(),
  checkedAt: z.number(),
});

/** The watchdog's last conclusion about the leader (core/leader-watch.ts), one control-table item for status. */
export class DynamoWatchReports implements WatchReportStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async save(report: WatchReport): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: WATCH_REPORT_KEY, report: JSON.stringify(report) } }));
    } catch (error) {
      throw translateDynamoError(error, 'PutItem', this.table);
    }
  }

  async load(): Promise<WatchReport | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      item = (await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: WATCH_REPORT_KEY } }))).Item;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem', this.table);
    }
    if (typeof item?.report !== 'string') return undefined;
    // A report an older or newer replog wrote that this one cannot read is no report, not a failure of status.
    let json: unknown;
    try {
      json = JSON.parse(item.report);
    } catch {
      return undefined;
    }
    const parsed = reportSchema.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  }
}
