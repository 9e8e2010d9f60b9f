import type { Runtime } from '../src/functions/runtime';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits until every follower's committed offsets reached the topic's end offsets and the outbox
 * clears are done, so one measurement never inherits the previous one's backlog. Returns the wait.
 */
export async function settle(rt: Runtime, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  await Promise.all(rt.config.replicas.ids.map((id) => rt.orderedFor(id).drain()));
  const groups = rt.config.followers.map((f) => rt.config.groupId(f.id));
  for (;;) {
    const [{ high }, committed] = await Promise.all([rt.admin.endOffsets(), rt.admin.committedOffsets(groups)]);
    const behind = groups.some((g) => {
      const offsets = committed.get(g);
      for (const [partition, end] of high) {
        if (end > 0n && (offsets?.get(partition) ?? 0n) < end) return true;
      }
      return false;
    });
    if (!behind) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`followers did not catch up within ${timeoutMs} ms`);
    await sleep(50);
  }
}
