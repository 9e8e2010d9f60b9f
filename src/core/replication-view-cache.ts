import type { ReplicationSnapshot } from './replication-inspector';

/**
 * A short-lived, single-flight cache of the replication snapshot for the read path: choosing a
 * replica for `replica=any` and reporting a follower's lag on every read must not cost a round of
 * admin calls per request. A snapshot taken for GET /replication/status is offered here too, so a
 * follower this process has just reported unhealthy is never chosen on the strength of an older view.
 */
export class ReplicationViewCache {
  private held: { snapshot: ReplicationSnapshot; startedAt: number } | undefined;
  private loading: Promise<ReplicationSnapshot> | undefined;

  constructor(
    private readonly load: () => Promise<ReplicationSnapshot>,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  async current(): Promise<ReplicationSnapshot> {
    if (this.held && this.now() - this.held.startedAt < this.ttlMs) return this.held.snapshot;
    if (!this.loading) {
      const startedAt = this.now();
      this.loading = this.load()
        .then((snapshot) => {
          this.offer(snapshot, startedAt);
          return this.held?.snapshot ?? snapshot;
        })
        .finally(() => {
          this.loading = undefined;
        });
    }
    return this.loading;
  }

  /** Keeps the snapshot whose reads began last: a slow, older read never replaces a newer one. */
  offer(snapshot: ReplicationSnapshot, startedAt: number): void {
    if (!this.held || startedAt >= this.held.startedAt) this.held = { snapshot, startedAt };
  }
}
