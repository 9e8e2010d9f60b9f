import { type DynamoDBDocumentClient, ScanCommand, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { translateDynamoError } from './dynamo-errors';

export type StartKey = Record<string, unknown>;

/**
 * Scans page after page, from `start`, until the table (or segment) ends or `onPage` returns
 * false, and returns the key to resume from (undefined: the end). `request` is built anew for each
 * page, so a page can ask for no more than the caller still needs.
 */
export async function scanPages(
  client: DynamoDBDocumentClient,
  request: () => ScanCommandInput,
  onPage: (items: NonNullable<ScanCommandOutput['Items']>) => boolean | undefined,
  start?: StartKey,
): Promise<StartKey | undefined> {
  let startKey = start;
  for (;;) {
    const input = request();
    let out: ScanCommandOutput;
    try {
      out = await client.send(new ScanCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    } catch (error) {
      throw translateDynamoError(error, 'Scan', input.TableName ?? '');
    }
    startKey = out.LastEvaluatedKey;
    if (onPage(out.Items ?? []) === false || startKey === undefined) return startKey;
  }
}
