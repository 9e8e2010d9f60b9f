import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchPutItems } from '../../src/adapters/dynamodb/bulk-follower-writer';
import { produceEvents } from '../../src/adapters/kafka/bulk-event-producer';
import { MAIN_REPLICA } from '../../src/config/replica-settings';
import type { ChangeEvent } from '../../src/core/change-event';
import type { Runtime } from '../../src/functions/runtime';
import { runReplogToEnd } from './child-process';
import type { apiClient } from './http-client';

export interface Acked {
  version: number;
  deleted: boolean;
}

/** Runs the real CLI to completion and returns its exit code and combined output. */
export const runReplog = runReplogToEnd;

/**
 * Writes `writes` changes spread over `keys` keys through the HTTP API, one sequence per key (so
 * each key's writes are ordered), `concurrency` keys at a time. Every 4th change of a live key is
 * a DELETE. Returns the last acknowledged state per key.
 */
export async function writeHistory(
  api: ReturnType<typeof apiClient>,
  options: { writes: number; keys: number; concurrency?: number; prefix?: string; stop?: () => boolean },
): Promise<Map<string, Acked>> {
  const acked = new Map<string, Acked>();
  const perKey = Math.ceil(options.writes / options.keys);
  let nextKey = 0;
  const worker = async () => {
    while (nextKey < options.keys) {
      const key = `${options.prefix ?? 'k'}${nextKey++}`;
      let live = false;
      for (let i = 0; i < perKey && !options.stop?.(); i++) {
        const del: boolean = live && i % 4 === 3;
        const res = del
          ? await api<{ version: number }>('DELETE', `/items/${key}`)
          : await api<{ version: number }>('PUT', `/items/${key}`, { key, i, pad: 'x'.repeat(i % 7) });
        if (res.status !== 200) throw new Error(`${del ? 'DELETE' : 'PUT'} ${key} answered ${res.status}: ${JSON.stringify(res.body)}`);
        live = !del;
        acked.set(key, { version: res.body.version, deleted: del });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 20 }, worker));
  return acked;
}

/** Keys whose acknowledged state the follower table does not hold (absent, older, or not deleted). */
export async function missingAckedWrites(runtime: Runtime, followerId: string, acked: ReadonlyMap<string, Acked>): Promise<string[]> {
  const missing: string[] = [];
  for (const [key, want] of acked) {
    const out = await runtime.replicaClient(followerId).send(
      new GetCommand({ TableName: runtime.config.tables.follower(followerId), Key: { pk: key }, ConsistentRead: true }),
    );
    const item = out.Item as { version?: number; deleted?: boolean } | undefined;
    if (!item || (item.version ?? 0) < want.version || (item.version === want.version && item.deleted !== want.deleted)) missing.push(key);
  }
  return missing;
}

export async function groupOffsets(runtime: Runtime, followerId: string): Promise<Record<string, string>> {
  const group = runtime.config.groupId(followerId);
  const offsets = (await runtime.admin.committedOffsets([group])).get(group) ?? new Map();
  return Object.fromEntries([...offsets].map(([p, o]) => [String(p), o.toString()]));
}

export async function endOffsets(runtime: Runtime): Promise<Record<string, string>> {
  const { high } = await runtime.admin.endOffsets();
  return Object.fromEntries([...high].map(([p, o]) => [String(p), o.toString()]));
}

/**
 * Loads a write history the way the leader leaves it, in bulk: every version of every key as a
 * change event in the log (rounds across keys, so keys interleave as concurrent writers make
 * them; every 4th version of a key is a delete, so a quarter of the keys end deleted), and each
 * key's final state in the leader table.
 * The leader's own publish path sends one request at a time (idempotent producer), which makes
 * thousands of HTTP writes take minutes on a busy 2-core machine; the records are the same.
 */
export async function seedHistory(runtime: Runtime, options: { writes: number; keys: number; prefix?: string }): Promise<Map<string, Acked>> {
  const perKey = Math.ceil(options.writes / options.keys);
  const events: ChangeEvent[] = [];
  const finals = new Map<string, ChangeEvent>();
  let committedAt = Date.now() - perKey * 1000;
  for (let version = 1; version <= perKey; version++) {
    committedAt += 1000;
    for (let k = 0; k < options.keys; k++) {
      const key = `${options.prefix ?? 'k'}${k}`;
      const del = version > 1 && (version + k) % 4 === 0;
      const event: ChangeEvent = {
        v: 1,
        op: del ? 'delete' : 'put',
        key,
        version,
        value: del ? null : { key, version, pad: 'x'.repeat(version % 7) },
        committedAt: committedAt + k,
        writeId: randomUUID(),
      };
      events.push(event);
      finals.set(key, event);
    }
  }
  await produceEvents(runtime.kafka, runtime.config.topic, events);
  const items = [...finals.values()].map((e) => ({
    pk: e.key,
    version: e.version,
    deleted: e.op === 'delete',
    updatedAt: e.committedAt,
    writeId: e.writeId,
    ...(e.op === 'put' ? { doc: JSON.stringify(e.value) } : {}),
  }));
  await batchPutItems(runtime.replicaClient(MAIN_REPLICA), runtime.config.tables.leader, items, { concurrency: 8 });
  return new Map([...finals].map(([key, e]) => [key, { version: e.version, deleted: e.op === 'delete' }]));
}
