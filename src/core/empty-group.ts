import type { ReplicationAdmin } from './ports';

/** What a wait for a consumer group to empty needs; a clock and a sleep of its own, so tests run it in no time. */
export interface EmptyGroupWait {
  admin: Pick<ReplicationAdmin, 'groupMembership'>;
  groupId: string;
  /** How long to wait for the members to leave. */
  waitMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Told once, the first time the group is seen with members. */
  onWaiting?: (members: number) => void;
  signal?: AbortSignal;
}

const POLL_MS = 250;

/**
 * Waits until a consumer group has no members, the wait runs out or the signal aborts; returns
 * the members still in it (0: empty). Used before a replay takes a follower's group over and
 * before a removed follower's group is deleted: neither may happen under a live consumer.
 */
export async function waitForEmptyGroup(wait: EmptyGroupWait): Promise<number> {
  const deadline = wait.now() + wait.waitMs;
  let told = false;
  for (;;) {
    const members = (await wait.admin.groupMembership([wait.groupId])).get(wait.groupId)?.members ?? 0;
    if (members === 0 || wait.signal?.aborted) return members;
    if (!told) {
      wait.onWaiting?.(members);
      told = true;
    }
    if (wait.now() >= deadline) return members;
    await wait.sleep(POLL_MS);
  }
}
