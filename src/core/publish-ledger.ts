import type { PublishLease } from './ports';

interface Held {
  handed: boolean;
  waiters: Array<() => void>;
}

/**
 * The publish leases this process holds. A successor write whose prior version's lease is ours
 * need not wait for the store: our publisher sends in the order it is handed events, so handing
 * ours after the prior one is enough.
 */
export class PublishLedger {
  private readonly held = new Map<string, Held>();

  /** Before the commit or claim that takes the lease is sent: its answer may arrive after a successor's. */
  hold(leaseId: string): void {
    if (!this.held.has(leaseId)) this.held.set(leaseId, { handed: false, waiters: [] });
  }

  isLocal(lease: PublishLease): boolean {
    return this.held.has(lease.id);
  }

  /** Its event is with our publisher, in flight or published and waiting for its record: it needs nobody else. */
  isHanded(lease: PublishLease): boolean {
    return this.held.get(lease.id)?.handed === true;
  }

  /** The lease's event is in our publisher's queue: anything handed after it reaches the log after it. */
  handed(leaseId: string): void {
    const entry = this.held.get(leaseId);
    if (entry === undefined || entry.handed) return;
    entry.handed = true;
    this.wake(entry);
  }

  /** The lease is done with: published and recorded, or given up (it will never reach the log through us). */
  release(leaseId: string): void {
    const entry = this.held.get(leaseId);
    if (entry === undefined) return;
    this.held.delete(leaseId);
    this.wake(entry);
  }

  /** Resolves once the lease's event was handed to the publisher, or the lease was released. */
  whenHanded(leaseId: string): Promise<void> {
    const entry = this.held.get(leaseId);
    if (entry === undefined || entry.handed) return Promise.resolve();
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  get size(): number {
    return this.held.size;
  }

  private wake(entry: Held): void {
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const w of waiters) w();
  }
}
