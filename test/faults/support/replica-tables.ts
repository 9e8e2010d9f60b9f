import { BatchGetCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { eventually } from '../../support/eventually';

export interface ItemState {
  version: number;
  deleted: boolean;
  doc: string | undefined;
  outboxAt: number | undefined;
}

/** Every item of one table, read straight from DynamoDB (consistent scan), keyed by item key. */
export async function scanTable(client: DynamoDBDocumentClient, table: string): Promise<Map<string, ItemState>> {
  const items = new Map<string, ItemState>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    for (const i of out.Items ?? []) {
      items.set(i.pk as string, {
        version: i.version as number,
        deleted: i.deleted === true,
        doc: i.doc as string | undefined,
        outboxAt: i.outboxAt as number | undefined,
      });
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export interface Comparison {
  compared: number;
  mismatches: string[];
}

/** A replica matches when it holds exactly the leader's keys, each at the same version, tombstone flag and value. */
export function compareReplica(leader: Map<string, ItemState>, replica: Map<string, ItemState>, name: string): Comparison {
  const mismatches: string[] = [];
  for (const [key, l] of leader) {
    const r = replica.get(key);
    if (!r) mismatches.push(`${name}: ${key} missing (leader v${l.version})`);
    else if (r.version !== l.version || r.deleted !== l.deleted || (!l.deleted && r.doc !== l.doc)) {
      mismatches.push(`${name}: ${key} at v${r.version}${r.deleted ? ' (deleted)' : ''}, leader at v${l.version}${l.deleted ? ' (deleted)' : ''}`);
    }
  }
  for (const key of replica.keys()) if (!leader.has(key)) mismatches.push(`${name}: ${key} is not on the leader`);
  return { compared: leader.size, mismatches };
}

/** Versions of some keys on one table, read the way a polling reader would (consistent reads). */
export async function readVersions(client: DynamoDBDocumentClient, table: string, keys: readonly string[]): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (let i = 0; i < keys.length; i += 100) {
    const out = await client.send(
      new BatchGetCommand({
        RequestItems: { [table]: { Keys: keys.slice(i, i + 100).map((pk) => ({ pk })), ConsistentRead: true, ProjectionExpression: 'pk, version' } },
      }),
    );
    for (const item of out.Responses?.[table] ?? []) versions.set(item.pk as string, item.version as number);
  }
  return versions;
}

/** Compares every follower's table with the leader's items; the counts add up over followers. */
export async function compareFollowers(
  client: DynamoDBDocumentClient,
  leader: Map<string, ItemState>,
  followers: readonly { id: string; table: string }[],
): Promise<Comparison> {
  const total: Comparison = { compared: 0, mismatches: [] };
  for (const { id, table } of followers) {
    const cmp = compareReplica(leader, await scanTable(client, table), id);
    total.compared += cmp.compared;
    total.mismatches.push(...cmp.mismatches);
  }
  return total;
}

/**
 * Waits (up to the deadline) until every follower equals the leader, and returns the last
 * comparison either way so the case can report its mismatches instead of a timeout.
 */
export async function awaitFollowersMatch(
  client: DynamoDBDocumentClient,
  leader: Map<string, ItemState>,
  followers: readonly { id: string; table: string }[],
  options: { timeoutMs: number; what: string },
): Promise<Comparison> {
  let last: Comparison = { compared: 0, mismatches: [] };
  await eventually(
    async () => {
      last = await compareFollowers(client, leader, followers);
      return last.mismatches.length === 0;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 250, what: options.what },
  ).catch(() => undefined);
  return last;
}
