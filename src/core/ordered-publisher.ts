import type { ChangeEvent } from './change-event';
import { LeaseEndedError } from './errors';
import { eventFromItem } from './item-event';
import { type ChangePublisher, type CommittedWrite, type LeaderStore, type Log, noStalls, type PublishLease, type RecordOutcome, type StallMeter, type StoredItem } from './ports';
import type { LogPosition } from './positions';
import { PublishLedger } from './publish-ledger';
import { coversLease, LEASE_MARGIN_MS, leaseEnd, publishGate, type PublishGate } from './publish-order';
import { type PendingRecord, PublishRecorder, type PublishRecorderOptions } from './publish-recorder';
import { isSameVersion, stampOf } from './versions';

export interface OrderedPublisherDeps {
  store: Pick<LeaderStore, 'get' | 'publishState' | 'recordPublished' | 'claimLease'>;
  publisher: ChangePublisher;
  /** How long a publish lease lasts: the publish timeout (REPLOG_PUBLISH_TIMEOUT_MS). */
  windowMs: number;
  log: Log;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** When this process could not run; a lease that ran out only in such time is taken again (none: never). */
  stalls?: StallMeter;
  newLeaseId: () => string;
  /** Told when a write had to wait for another process's publish of the key's prior version. */
  onOrderWait?: (waitedMs: number, outcome: 'recorded' | 'lease-ended') => void;
  /** Told when a write waited for room in the publish records' backlog. */
  onBacklogWait?: (waitedMs: number) => void;
  /** How many publish records run at once and how long their backlog may grow (core/publish-recorder.ts). */
  records?: Partial<PublishRecorderOptions>;
}

export type RepublishOutcome =
  | { kind: 'republished'; version: number; position: LogPosition; cleared: boolean }
  /** The item has an open lease younger than the cut-off: its holder is publishing it. */
  | { kind: 'fresh' }
  | { kind: 'absent' }
  /** `onlyIfLeased` and the item has no open lease: its version is published already. */
  | { kind: 'not-leased' }
  /** The item kept changing under the claim. */
  | { kind: 'busy' };

// A waiter reads the item until the prior publish is recorded: a read costs little next to the
// delay each poll step adds to every write queued behind it on a hot key.
const POLL_FIRST_MS = 1;
const POLL_MAX_MS = 10;
const MAX_REPUBLISH_ROUNDS = 3;

/**
 * Hands committed versions to the replication log in each key's version order, across every
 * process that writes the key (the argument is in core/publish-order.ts and ARCHITECTURE.md),
 * records each publish on its leader item, and republishes a key's current state for the relay
 * and for verify under the same rule.
 */
export class OrderedPublisher {
  private readonly ledger = new PublishLedger();
  private readonly recorder: PublishRecorder;

  constructor(private readonly deps: OrderedPublisherDeps) {
    this.recorder = new PublishRecorder({
      record: (r) => deps.store.recordPublished(r.key, r, r.lease, r.position),
      onSettled: (r, outcome, error) => this.settled(r, outcome, error),
    }, deps.records);
  }

  /** True while the publish records' backlog is full: a new write waits for `room()` before it commits. */
  get backlogFull(): boolean {
    return this.recorder.full;
  }

  /** Resolves once a new write may commit without growing the records' backlog past its limit. */
  async room(): Promise<void> {
    if (!this.recorder.full) return;
    const started = this.deps.now();
    await this.recorder.room();
    this.deps.onBacklogWait?.(this.deps.now() - started);
  }

  /** Before the commit that takes `writeId`'s lease is sent, so a successor whose commit answers first finds it ours. */
  hold(writeId: string): void {
    this.ledger.hold(writeId);
  }

  /** The commit failed: the lease never existed, or nobody will publish under it. */
  release(writeId: string): void {
    this.ledger.release(writeId);
  }

  /**
   * Publishes a just-committed version once its turn has come, and records it off the request path.
   *
   * A lease that ended before the version was handed to the log, in time this process could not
   * run (its event loop blocked, the process frozen: the commit's answer or the publisher's turn
   * arrived while it stood still), is taken again once, by the relay's conditional claim: only if
   * the item still holds this version under this lease, i.e. no newer version was committed and
   * no relay took the mark over. Anything else that ends the lease is the log's or the prior
   * writer's slowness, and the write answers 503 as before.
   */
  async publishCommitted(write: CommittedWrite): Promise<LogPosition> {
    const { event, prior } = write;
    let lease = write.lease;
    let renewed = false;
    try {
      const gate = publishGate(prior, { now: this.deps.now(), windowMs: this.deps.windowMs, isLocal: (l) => this.ledger.isLocal(l) });
      for (;;) {
        const notAfter = leaseEnd(lease, this.deps.windowMs);
        try {
          await this.awaitTurn(event, gate, notAfter);
          const position = await this.handToLog(event, lease, notAfter);
          this.recorder.enqueue({ key: event.key, ...stampOf(event), lease, position });
          return position;
        } catch (error) {
          if (renewed || !(error instanceof LeaseEndedError) || !this.lostToStalls(lease)) throw error;
          const next = await this.renew(event, lease);
          if (next === undefined) throw error;
          lease = next;
          renewed = true;
        }
      }
    } catch (error) {
      this.ledger.release(lease.id);
      throw error;
    }
  }

  /**
   * Where a committed version already is in the log, for a write sent again (core/write-replay.ts):
   * its recorded publish, or a republish of it when its lease is stale (the writer gave up or
   * died) under the relay's rule. Undefined while its writer still holds a fresh lease, or once a
   * newer version replaced it.
   */
  async committedPosition(item: StoredItem): Promise<LogPosition | undefined> {
    const recorded = async () => {
      const state = await this.deps.store.publishState(item.key);
      const published = state?.published;
      return published !== undefined && isSameVersion(published, item) ? published.position : undefined;
    };
    const found = await recorded();
    if (found !== undefined) return found;
    const outcome = await this.republishCurrent(item.key, { staleBefore: this.deps.now() - this.deps.windowMs - LEASE_MARGIN_MS, onlyIfLeased: true });
    if (outcome.kind === 'republished') return outcome.version === item.version ? outcome.position : undefined;
    // Not leased: published and recorded between the two reads.
    return outcome.kind === 'not-leased' ? recorded() : undefined;
  }

  /**
   * Publishes the item's current state again (outbox relay, verify --repair) under a lease of its
   * own, so a write committed meanwhile waits for it like for any other publish. An item whose
   * open lease is younger than `staleBefore` is left to its holder; with `onlyIfLeased` (the
   * relay) an item without an open lease is left alone.
   */
  async republishCurrent(key: string, options: { staleBefore: number; onlyIfLeased?: boolean }): Promise<RepublishOutcome> {
    for (let round = 0; round < MAX_REPUBLISH_ROUNDS; round++) {
      const item = await this.deps.store.get(key);
      if (item === undefined) return { kind: 'absent' };
      const seen: PublishLease | undefined =
        item.outboxAt === undefined ? undefined : { id: item.outboxLease ?? '', at: item.outboxAt };
      if (seen === undefined && options.onlyIfLeased) return { kind: 'not-leased' };
      if (seen !== undefined && seen.at >= options.staleBefore) return { kind: 'fresh' };
      // Held by a writer in this process that publishes or gives up by itself, so a claim here
      // would only race it or put a second copy in the log: its event is already with our
      // publisher (in flight, or in the log with its record queued), or it has not had its window
      // of running time yet (this process stalled).
      if (seen !== undefined && this.ledger.isLocal(seen) && (this.ledger.isHanded(seen) || this.ranShortOf(seen, this.deps.windowMs + LEASE_MARGIN_MS))) {
        return { kind: 'fresh' };
      }
      const lease: PublishLease = { id: this.deps.newLeaseId(), at: this.deps.now() };
      this.ledger.hold(lease.id);
      try {
        if (!(await this.deps.store.claimLease(key, item, seen, lease))) continue;
        const position = await this.handToLog(eventFromItem(item), lease, leaseEnd(lease, this.deps.windowMs));
        const outcome = await this.deps.store.recordPublished(key, item, lease, position);
        if (outcome.kind === 'behind' && outcome.landedAfter) {
          this.deps.log.warn('a republished version landed after a newer one; publishing the newest state again', {
            key,
            version: item.version,
            partition: position.partition,
            offset: position.offset,
            newer: outcome.newer.version,
          });
          continue;
        }
        return { kind: 'republished', version: item.version, position, cleared: outcome.kind === 'cleared' };
      } finally {
        this.ledger.release(lease.id);
      }
    }
    return { kind: 'busy' };
  }

  /** Resolves once every pending publish record has been written. */
  drain(): Promise<void> {
    return this.recorder.drain();
  }

  get pendingRecords(): number {
    return this.recorder.size;
  }

  /**
   * True when the lease ran out in time this process could not run: it stood still at some point
   * since the lease began and ran for less than the window. A stall is required, not just a
   * shortfall: a deadline timer runs once its monotonic delay has passed while Date.now() may read
   * a millisecond less, and a lease taken again for that would double a write's publish wait.
   */
  private lostToStalls(lease: PublishLease): boolean {
    return (this.deps.stalls ?? noStalls).stalledSince(lease.at) > 0 && this.ranShortOf(lease, this.deps.windowMs);
  }

  /** True while the time this process could run since the lease began is shorter than `ms`. */
  private ranShortOf(lease: PublishLease, ms: number): boolean {
    const stalls = this.deps.stalls ?? noStalls;
    return this.deps.now() - lease.at - stalls.stalledSince(lease.at) < ms;
  }

  /** Takes the version's mark again under a fresh lease, if it is still this version's under `lease`. */
  private async renew(event: ChangeEvent, lease: PublishLease): Promise<PublishLease | undefined> {
    const next: PublishLease = { id: this.deps.newLeaseId(), at: this.deps.now() };
    // Held before the claim is sent: a successor whose commit answers first must find it ours.
    this.ledger.hold(next.id);
    let claimed = false;
    try {
      claimed = await this.deps.store.claimLease(event.key, stampOf(event), lease, next);
    } finally {
      if (!claimed) this.ledger.release(next.id);
    }
    if (!claimed) return undefined;
    this.ledger.release(lease.id);
    this.deps.log.warn('the publish lease of a committed version ended while this process could not run; took it again', {
      key: event.key,
      version: event.version,
      leaseAt: lease.at,
      stalledMs: (this.deps.stalls ?? noStalls).stalledSince(lease.at),
    });
    return next;
  }

  private async handToLog(event: ChangeEvent, lease: PublishLease, notAfter: number): Promise<LogPosition> {
    const published = this.deps.publisher.publish(event, { notAfter });
    // The publisher queued it synchronously: a successor handed to it from now on goes out after it.
    this.ledger.handed(lease.id);
    return published;
  }

  private async awaitTurn(event: ChangeEvent, gate: PublishGate, notAfter: number): Promise<void> {
    if (gate.kind === 'go') return;
    if (gate.kind === 'after-local') {
      await this.beforeLeaseEnds(this.ledger.whenHanded(gate.lease.id), event, notAfter);
      return;
    }
    const started = this.deps.now();
    let interval = POLL_FIRST_MS;
    for (;;) {
      const state = await this.deps.store.publishState(event.key);
      if (state === undefined || coversLease(state.published, gate.prior, gate.lease)) {
        this.deps.onOrderWait?.(this.deps.now() - started, 'recorded');
        return;
      }
      const now = this.deps.now();
      if (now >= gate.until) {
        // The prior version's holder can no longer hand it to the log (its lease ended): it died
        // or gave up, and a later arrival of its produce would be caught by its own record.
        this.deps.onOrderWait?.(now - started, 'lease-ended');
        this.deps.log.warn('the prior version of a key was never recorded as published; its lease ended, publishing after it', {
          key: event.key,
          version: event.version,
          prior: gate.prior.version,
          priorLeaseAt: gate.lease.at,
        });
        return;
      }
      if (now >= notAfter) throw leaseEndedError(event, 'waiting for the previous version of the key to reach the log');
      await this.deps.sleep(Math.min(interval, Math.max(1, gate.until - now), Math.max(1, notAfter - now)));
      interval = Math.min(interval * 2, POLL_MAX_MS);
    }
  }

  private async beforeLeaseEnds(turn: Promise<void>, event: ChangeEvent, notAfter: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(leaseEndedError(event, 'waiting for the previous version of the key to be published')),
        Math.max(0, notAfter - this.deps.now()),
      );
    });
    try {
      await Promise.race([turn, ended]);
    } finally {
      clearTimeout(timer);
    }
  }

  private settled(record: PendingRecord, outcome: RecordOutcome | undefined, error?: unknown): void {
    this.ledger.release(record.lease.id);
    if (error !== undefined) {
      this.deps.log.warn('publish not recorded on the leader item; the outbox relay will republish this version', {
        key: record.key,
        version: record.version,
        partition: record.position.partition,
        offset: record.position.offset,
        error,
      });
      return;
    }
    if (outcome?.kind === 'behind' && outcome.landedAfter) {
      // A newer version was recorded as published before ours was, and ours landed after it (a
      // produce that outlived its lease inside the client): the key's last record may be older
      // than its newest state. Publishing the current state again puts the newest last.
      this.deps.log.warn('a version landed after a newer one of its key; publishing the newest state again', {
        key: record.key,
        version: record.version,
        partition: record.position.partition,
        offset: record.position.offset,
        newer: outcome.newer.version,
      });
      // A lease still open belongs to a newer write, whose own publish will come last.
      void this.republishCurrent(record.key, { staleBefore: this.deps.now() - this.deps.windowMs - LEASE_MARGIN_MS }).catch((repairError: unknown) =>
        this.deps.log.error('could not republish the newest state of a key; the relay or verify --repair must', {
          key: record.key,
          error: repairError,
        }),
      );
    }
  }
}

function leaseEndedError(event: ChangeEvent, activity: string): LeaseEndedError {
  return new LeaseEndedError(
    `the publish lease of ${event.key}@${event.version} ended while ${activity}`,
    { details: { key: event.key, version: event.version } },
  );
}

