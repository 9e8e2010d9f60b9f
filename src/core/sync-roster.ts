import {
  type ControlState,
  initialControlState,
  type SyncChange,
  withSyncFollower,
} from './control-state';
import { UnavailableError } from './errors';
import type { ControlStore, Log } from './ports';

export interface RosterSeed {
  followers: { id: string; delayMs: number }[];
  syncFollower: string | undefined;
  /** Who leads the first term when the control state is created. */
  firstLeader?: string;
}

/**
 * The process's cached view of the control state. Reads are served from a short-lived cache so a
 * write does not pay a DynamoDB read; every change goes through CAS, and a lost CAS refreshes.
 */
export class SyncRoster {
  private cached: { state: ControlState; at: number } | undefined;
  private loading: Promise<ControlState> | undefined;

  constructor(
    private readonly store: ControlStore,
    private readonly seed: RosterSeed,
    private readonly log: Log,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<ControlState> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.state;
    return this.refresh();
  }

  refresh(): Promise<ControlState> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<ControlState> {
    const stored =
      (await this.store.load()) ??
      (await this.store.initialize(initialControlState(this.seed.followers, this.seed.syncFollower, this.now(), this.seed.firstLeader)));
    this.cached = { state: stored, at: this.now() };
    return stored;
  }

  /**
   * Moves the sync role by CAS. `expectFrom` guards against acting on stale knowledge: if someone
   * already moved the role away from the follower we saw failing, we accept their choice.
   */
  async changeSyncFollower(
    to: string,
    kind: SyncChange['kind'],
    reason: string,
    expectFrom: string | null | undefined,
  ): Promise<{ state: ControlState; changedByUs: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = await this.refresh();
      if (expectFrom !== undefined && state.syncFollower !== expectFrom) return { state, changedByUs: false };
      if (state.syncFollower === to) return { state, changedByUs: false };
      const next = withSyncFollower(state, to, kind, reason, this.now());
      if (await this.store.replace(state.revision, next)) {
        this.cached = { state: next, at: this.now() };
        this.log.info('sync follower changed', { from: state.syncFollower, to, kind, reason, revision: next.revision });
        return { state: next, changedByUs: true };
      }
    }
    throw new UnavailableError('the control state kept changing under us; try again');
  }

  /** Any other CAS-guarded change (adding or removing followers). */
  async update(change: (state: ControlState) => ControlState): Promise<ControlState> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = await this.refresh();
      const next = change(state);
      if (await this.store.replace(state.revision, next)) {
        this.cached = { state: next, at: this.now() };
        return next;
      }
    }
    throw new UnavailableError('the control state kept changing under us; try again');
  }
}
