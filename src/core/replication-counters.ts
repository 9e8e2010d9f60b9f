/**
 * Counters modelled on MySQL's Rpl_semi_sync_* status variables, kept per process. Waits keep a
 * bounded window so p99 reflects recent behaviour, not the whole uptime.
 */
import type { Instrumentation } from './instrumentation';
import { UnpublishedWriteError } from './write-failures';

const WINDOW = 2048;

export interface CountersSnapshot {
  acks: Record<string, number>;
  syncTimeouts: number;
  promotions: number;
  degradedAcks: number;
  failedAcks: number;
  publishFailures: number;
  /** Writes that waited for another process's publish of the key's previous version (publish-order.ts). */
  orderWaits: { count: number; leaseEnded: number; maxMs: number };
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
  private orderWaitCount = 0;
  private orderWaitLeaseEnded = 0;
  private orderWaitMax = 0;
  private readonly terms = { count: 0, totalMs: 0, maxMs: 0, controlReads: 0 };
  private waitCount = 0;
  private waitTotal = 0;
  private waitMax = 0;
  private readonly window: number[] = [];
  private windowNext = 0;

  /** Counts from the instrumentation stream; returns the function that stops counting. */
  listen(instrumentation: Instrumentation): () => void {
    const off = [
      instrumentation.on('ack.given', (e) => this.recordAck(e.mode, e.waitedMs, e.degraded)),
      instrumentation.on('ack.failed', (e) => {
        this.failedAcks += 1;
        this.recordWait(e.waitedMs);
      }),
      instrumentation.on('ack.sync-timeout', () => {
        this.syncTimeouts += 1;
      }),
      instrumentation.on('ack.promotion', () => {
        this.promotions += 1;
      }),
      instrumentation.on('publish.order-wait', (e) => this.recordOrderWait(e.waitedMs, e.outcome)),
      instrumentation.on('write.term-checked', (e) => {
        this.terms.count += 1;
        this.terms.totalMs += e.waitedMs;
        if (e.waitedMs > this.terms.maxMs) this.terms.maxMs = e.waitedMs;
      }),
      instrumentation.on('leadership.read', () => {
        this.terms.controlReads += 1;
      }),
      instrumentation.on('write.failed', (e) => {
        if (e.error instanceof UnpublishedWriteError) this.publishFailures += 1;
      }),
    ];
    return () => {
      for (const stop of off) stop();
    };
  }

  recordAck(mode: string, waitedMs: number, degraded: boolean): void {
    this.acks.set(mode, (this.acks.get(mode) ?? 0) + 1);
    if (degraded) this.degradedAcks += 1;
    if (mode === 'async' && !degraded) return;
    this.recordWait(waitedMs);
  }

  recordOrderWait(ms: number, outcome: 'recorded' | 'lease-ended'): void {
    this.orderWaitCount += 1;
    if (outcome === 'lease-ended') this.orderWaitLeaseEnded += 1;
    if (ms > this.orderWaitMax) this.orderWaitMax = ms;
  }

  recordWait(ms: number): void {
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
      orderWaits: { count: this.orderWaitCount, leaseEnded: this.orderWaitLeaseEnded, maxMs: this.orderWaitMax },
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
