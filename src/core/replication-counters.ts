/**
 * Counters modelled on MySQL's Rpl_semi_sync_* status variables, kept per process. Waits keep a
 * bounded window so p99 reflects recent behaviour, not the whole uptime.
 */
import type { Instrumentation } from './instrumentation';
import { listenObservations, type Observation } from './replication-metrics';

const WINDOW = 2048;

export interface CountersSnapshot {
  acks: Record<string, number>;
  syncTimeouts: number;
  promotions: number;
  degradedAcks: number;
  failedAcks: number;
  publishFailures: number;
  /** Change-publisher producer sessions ended by a failed send or connect (idempotent-producer.ts). */
  producerSessionsEnded: number;
  /** Writes that waited for another process's publish of the key's previous version (publish-order.ts). */
  orderWaits: { count: number; leaseEnded: number; maxMs: number };
  /** Writes that waited for room in the publish records' backlog before their commit (publish-recorder.ts). */
  backlogWaits: { count: number; maxMs: number };
  wait: { count: number; averageMs: number; p99Ms: number; maxMs: number };
  /** What checking each write's term cost after its publish (core/leader-terms.ts). */
  termChecks: { count: number; totalMs: number; maxMs: number; controlReads: number };
}

export class ReplicationCounters {
  private readonly acks = new Map<string, number>();
  syncTimeouts = 0;
  promotions = 0;
  degradedAcks = 0;
  failedAcks = 0;
  publishFailures = 0;
  producerSessionsEnded = 0;
  private orderWaitCount = 0;
  private orderWaitLeaseEnded = 0;
  private orderWaitMax = 0;
  private readonly backlog = { count: 0, maxMs: 0 };
  private readonly terms = { count: 0, totalMs: 0, maxMs: 0, controlReads: 0 };
  private waitCount = 0;
  private waitTotal = 0;
  private waitMax = 0;
  private readonly window: number[] = [];
  private windowNext = 0;

  /** Counts from the instrumentation stream, through the one catalogue of figures; returns the function that stops counting. */
  listen(instrumentation: Pick<Instrumentation, 'on'>): () => void {
    return listenObservations(instrumentation, (observations) => {
      for (const o of observations) this.record(o);
    });
  }

  /** One observation (replication-metrics.ts); the figures status shows are folded from these alone. */
  record(o: Observation): void {
    switch (o.metric) {
      case 'acks':
        this.acks.set(o.labels.mode ?? '', (this.acks.get(o.labels.mode ?? '') ?? 0) + o.value);
        return;
      case 'acksDegraded':
        this.degradedAcks += o.value;
        return;
      case 'ackFailures':
        this.failedAcks += o.value;
        return;
      case 'ackTimeouts':
        this.syncTimeouts += o.value;
        return;
      case 'ackWait':
        this.recordWait(o.value);
        return;
      case 'promotions':
        this.promotions += o.value;
        return;
      case 'publishFailures':
        this.publishFailures += o.value;
        return;
      case 'producerSessionsEnded':
        this.producerSessionsEnded += o.value;
        return;
      case 'orderWait':
        this.recordOrderWait(o.value, o.labels.outcome === 'lease-ended' ? 'lease-ended' : 'recorded');
        return;
      case 'backlogWait':
        this.backlog.count += 1;
        if (o.value > this.backlog.maxMs) this.backlog.maxMs = o.value;
        return;
      case 'termCheck':
        this.terms.count += 1;
        this.terms.totalMs += o.value;
        if (o.value > this.terms.maxMs) this.terms.maxMs = o.value;
        return;
      case 'leadershipReads':
        this.terms.controlReads += o.value;
        return;
      default:
        // Follower and replica figures: status reports them per follower from the replication view.
        return;
    }
  }

  private recordOrderWait(ms: number, outcome: 'recorded' | 'lease-ended'): void {
    this.orderWaitCount += 1;
    if (outcome === 'lease-ended') this.orderWaitLeaseEnded += 1;
    if (ms > this.orderWaitMax) this.orderWaitMax = ms;
  }

  private recordWait(ms: number): void {
    this.waitCount += 1;
    this.waitTotal += ms;
    if (ms > this.waitMax) this.waitMax = ms;
    if (this.window.length < WINDOW) this.window.push(ms);
    else {
      this.window[this.windowNext] = ms;
      this.windowNext = (this.windowNext + 1) % WINDOW;
    }
  }

  snapshot(): CountersSnapshot {
    const sorted = [...this.window].sort((a, b) => a - b);
    const p99 = sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0);
    return {
      acks: Object.fromEntries(this.acks),
      syncTimeouts: this.syncTimeouts,
      promotions: this.promotions,
      degradedAcks: this.degradedAcks,
      failedAcks: this.failedAcks,
      publishFailures: this.publishFailures,
      producerSessionsEnded: this.producerSessionsEnded,
      orderWaits: { count: this.orderWaitCount, leaseEnded: this.orderWaitLeaseEnded, maxMs: this.orderWaitMax },
      backlogWaits: { ...this.backlog },
      wait: {
        count: this.waitCount,
        averageMs: this.waitCount === 0 ? 0 : Math.round((this.waitTotal / this.waitCount) * 100) / 100,
        p99Ms: p99,
        maxMs: this.waitMax,
      },
      termChecks: { ...this.terms },
    };
  }
}
