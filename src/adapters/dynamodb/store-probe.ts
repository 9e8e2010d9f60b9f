import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DynamoConnection } from './document-client';
import type { ProbeResult } from '../../core/leader-watch';

/** A key no item has: the probe reads the table's data path, not an item. */
const PROBE_KEY = '\u0000replog-probe';

/**
 * Whether a replica's store answers (the watchdog's probe, core/leader-watch.ts): one consistent
 * GetItem on its table with a client of its own that never retries and gives up after
 * `timeoutMs`, so a dead or hung store is a failed probe within the probe's time, not after the
 * SDK's retries.
 */
export class DynamoStoreProbe {
  private readonly client: DynamoDBDocumentClient;

  constructor(
    connection: DynamoConnection,
    private readonly table: string,
    private readonly timeoutMs: number,
  ) {
    const base = new DynamoDBClient({
      region: connection.region,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs }),
      ...(connection.endpoint
        ? {
            endpoint: connection.endpoint,
            credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
          }
        : {}),
    });
    this.client = DynamoDBDocumentClient.from(base);
  }

  async probe(now: () => number = Date.now): Promise<ProbeResult> {
    const at = now();
    try {
      // The SDK's request timeout only warns; the abort signal is what ends a hung request.
      await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: PROBE_KEY }, ConsistentRead: true }), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      return { ok: true, at };
    } catch (error) {
      const e = error as Error;
      return { ok: false, at, error: `${this.table}: ${e.name}: ${e.message}` };
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
