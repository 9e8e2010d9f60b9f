import type { ReplogError } from './errors';
import type { WriteResult } from './leader-write';
import type { Log } from './ports';
import type { ReplicationSnapshot } from './replication-inspector';

/** What a follower invocation reports (FollowerBatchSummary, structurally). */
export interface AppliedBatch {
  followerId: string;
  records: number;
  applied: number;
  deadLettered: number;
  applyLagMs?: number;
}

/**
 * Everything replog reports about itself, as one stream of events (kafkajs's instrumentation
 * events are the model). Counters, EMF metrics and logs are subscribers, so another sink
 * (Prometheus, OpenTelemetry) is one more subscriber, not another call at every place.
 */
export type InstrumentationEvent =
  | { type: 'write.acknowledged'; result: WriteResult }
  /** A write that failed with an error the client sees (4xx refusals included). */
  | { type: 'write.failed'; error: ReplogError }
  /** An acknowledgement given, in `mode` (degraded: as async, because no follower could confirm). */
  | { type: 'ack.given'; mode: string; waitedMs: number; degraded: boolean }
  /** An acknowledgement refused (the fail policy): the client got its 504. */
  | { type: 'ack.failed'; mode: string; waitedMs: number }
  /** The sync follower (or the quorum) did not confirm within the timeout. */
  | { type: 'ack.sync-timeout'; mode: string }
  /** This process promoted a new sync follower. */
  | { type: 'ack.promotion'; to: string }
  /** A write waited for another process's publish of the key's previous version (publish-order.ts). */
  | { type: 'publish.order-wait'; waitedMs: number; outcome: 'recorded' | 'lease-ended' }
  /** A write waited for room in its process's publish-record backlog before its commit (publish-recorder.ts). */
  | { type: 'publish.backlog-wait'; waitedMs: number }
  /**
   * The change publisher's producer session ended after a failed send or connect: the next send
   * starts a new producer id (adapters/kafka/idempotent-producer.ts). Frequent: the log is sick.
   */
  | { type: 'publish.session-ended' }
  /** A published write's term was judged (core/leader-terms.ts): how long it took. */
  | { type: 'write.term-checked'; waitedMs: number }
  /** A consistent read of who leads, for writes (a judge's, or the background refresh while writes come). */
  | { type: 'leadership.read' }
  | { type: 'follower.batch-applied'; batch: AppliedBatch }
  | { type: 'replication.observed'; snapshot: ReplicationSnapshot };

export type InstrumentationType = InstrumentationEvent['type'];
export type EventOf<T extends InstrumentationType> = Extract<InstrumentationEvent, { type: T }>;
type Listener = (event: InstrumentationEvent) => void;

/**
 * The process's instrumentation stream. `on` returns the function that removes the listener, as
 * kafkajs's `consumer.on` does. A listener that throws is logged and never fails what it observes.
 */
export class Instrumentation {
  private readonly listeners = new Map<InstrumentationType, Set<Listener>>();

  constructor(private readonly log?: Log) {}

  on<T extends InstrumentationType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    this.listeners.set(type, set);
    const wrapped = listener as Listener;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  emit(event: InstrumentationEvent): void {
    for (const listener of this.listeners.get(event.type) ?? []) {
      try {
        listener(event);
      } catch (error) {
        this.log?.warn('instrumentation listener failed', { event: event.type, error });
      }
    }
  }
}
