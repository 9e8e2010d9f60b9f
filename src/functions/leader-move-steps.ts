import { type ControlState, withFenceRecorded, withLeaderMoved, withMoveAborted } from '../core/control-state';
import { UnavailableError } from '../core/errors';
import type { ControlStore, FenceWriter, Log, ReplicationAdmin } from '../core/ports';

/** What every move of leadership needs, planned or not (functions/leader-switchover.ts, functions/leader-failover.ts). */
export interface MoveDeps {
  control: ControlStore;
  admin: Pick<ReplicationAdmin, 'endOffsets' | 'committedOffsets'>;
  groupOf: (replica: string) => string;
  fences: FenceWriter;
  /** How long the target may take to apply everything up to the fence. */
  catchUpTimeoutMs: number;
  log: Log;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** Writes the fence of `term` (led by `leader`) in every partition: where each landed. */
export async function writeFence(deps: MoveDeps, term: number, leader: string): Promise<Record<string, string>> {
  const partitions = [...(await deps.admin.endOffsets()).high.keys()].sort((a, b) => a - b);
  return deps.fences.write({ kind: 'fence', term, leader, at: deps.now() }, partitions);
}

/** Until the target's group committed past the fence in every partition: it applied all before it. */
export async function awaitApplied(deps: MoveDeps, replica: string, fence: Record<string, string>): Promise<void> {
  const deadline = deps.now() + deps.catchUpTimeoutMs;
  const group = deps.groupOf(replica);
  for (;;) {
    const committed = (await deps.admin.committedOffsets([group])).get(group);
    const behind = Object.entries(fence).filter(([p, at]) => (committed?.get(Number(p)) ?? -1n) <= BigInt(at));
    if (behind.length === 0) return;
    if (deps.now() >= deadline) {
      throw new UnavailableError(`${replica} did not apply the log up to the fence within ${deps.catchUpTimeoutMs} ms (behind in partitions ${behind.map(([p]) => p).join(', ')})`);
    }
    await deps.sleep(20);
  }
}

/** A move that failed (either kind): nothing changes before its fence; after it, the old leader leads again under a fresh, fenced term. */
export async function callOff(deps: MoveDeps, term: number, cause: unknown): Promise<void> {
  let refence = false;
  const aborted = await casStep(deps.control, (s) => {
    const out = withMoveAborted(s, term, deps.now());
    refence = out.refence;
    return out.state;
  });
  deps.log.warn('leadership move called off', { term, refence, error: cause });
  if (!refence) return;
  const retry = aborted.leadership.transition;
  if (retry === undefined) return;
  const fence = await writeFence(deps, retry.term, retry.to);
  await casStep(deps.control, (s) => withFenceRecorded(s, retry.term, fence, deps.now()));
  await casStep(deps.control, (s) => withLeaderMoved(s, retry.term, deps.now()));
}

export async function loadState(control: ControlStore): Promise<ControlState> {
  const state = await control.load();
  if (state === undefined) throw new UnavailableError('the control state does not exist yet; start replog first');
  return state;
}

/** One step of a move by compare-and-set, read again when something else (a promotion) changed the state meanwhile. */
export async function casStep(control: ControlStore, step: (state: ControlState) => ControlState): Promise<ControlState> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const state = await loadState(control);
    const next = step(state);
    if (await control.replace(state.revision, next)) return next;
  }
  throw new UnavailableError('the control state kept changing during the move of leadership; try again');
}
