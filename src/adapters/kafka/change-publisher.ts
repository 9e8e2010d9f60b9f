import { type Kafka, type Message, Partitioners } from 'kafkajs';
import { type ChangeEvent, encodeChangeEvent } from '../../core/change-event';
import { LeaseEndedError, UnavailableError } from '../../core/errors';
import { type ChangePublisher, noStalls, type PublishOptions, type StallMeter } from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { compareVersions, isNewer, stampOf, type VersionStamp } from '../../core/versions';
import { endSpan, SpanKind, startSpan, traceHeaders } from '../../observability/tracing';
import { IdempotentProducer } from './idempotent-producer';
import { translateKafkaError } from './kafka-errors';

interface Pending {
  event: ChangeEvent;
  resolve: (position: LogPosition) => void;
  reject: (error: unknown) => void;
  /** Epoch ms after which the event must not be handed to Kafka: its publish lease has ended. */
  notAfter: number;
  /** `queued` until it goes into a produce request (`handed`), `done` once its caller has its answer. */
  state: 'queued' | 'handed' | 'done';
  /** The W3C trace context of this event's produce span, carried in the record's headers to the followers. */
  trace: Record<string, string>;
}

/** Upper bound on events coalesced into one produce request. */
const MAX_COALESCED = 500;
/** Keys whose newest sent version is remembered, so an older version is never sent after it. */
const SENT_KEYS = 10_000;

/**
 * Publishes change events keyed by item key (one key → one partition → per-key order), idempotent
 * and acks=all. Concurrent publishes are coalesced: while one produce request is in flight, new
 * events queue and go out together in the next request, so N concurrent writers cost one round
 * trip instead of N serialized ones (the idempotent producer allows one request in flight).
 * Partitions are assigned here with kafkajs's own default (murmur2) partitioner so each event's
 * offset is known from its partition's base offset. Every publish is bounded by a deadline:
 * an event still queued when its lease ends is never sent ({@link LeaseEndedError}); one already
 * sent is waited for as long as the lease had left when it was published, counting only the time
 * this process could run (core/stall-meter.ts), so an answer that arrived while the process was
 * stalled is taken instead of being judged late.
 */
export class KafkaChangePublisher implements ChangePublisher {
  private readonly producer: IdempotentProducer;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private partitions: Promise<number> | undefined;
  private queue: Pending[] = [];
  private sending = false;
  /** Per key, the newest version this publisher has taken, and where it lands. */
  private readonly newest = new Map<string, { stamp: VersionStamp; position: Promise<LogPosition> }>();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly timeoutMs: number,
    private readonly stalls: StallMeter = noStalls,
    onSessionEnded?: () => void,
  ) {
    // One retry inside kafkajs (a moved leader: it refreshes metadata first); past that the send
    // fails, the session ends and the next batch starts from fresh metadata, so a broker that
    // stopped answering holds the publisher for two request timeouts, not six.
    this.producer = new IdempotentProducer(kafka, 1, onSessionEnded);
  }

  publish(event: ChangeEvent, options: PublishOptions = {}): Promise<LogPosition> {
    const notAfter = options.notAfter ?? Date.now() + this.timeoutMs;
    const what = `publishing ${event.key}@${event.version}`;
    const lateMessage = `${what} did not reach the log before its publish lease ended (${this.timeoutMs} ms)`;
    const held = this.newest.get(event.key);
    if (held !== undefined && !isNewer(event, held.stamp)) {
      // A newer version of the key is already on its way: it carries this one's effect, and
      // sending this one after it would put an older state behind a newer one in the log.
      return this.answer(held.position, undefined, notAfter, lateMessage);
    }
    // A span per event in the caller's trace, though events share produce requests: each write's
    // trace shows its own wait for the log, and its record carries this span as the parent of
    // every follower's apply.
    const span = startSpan(`send ${this.topic}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': this.topic,
        'messaging.kafka.message.key': event.key,
        'replog.version': event.version,
      },
    });
    let pending: Pending | undefined;
    const published = new Promise<LogPosition>((resolve, reject) => {
      pending = { event, resolve, reject, notAfter, state: 'queued', trace: traceHeaders(span) };
    });
    published.then(
      (position) => {
        span.setAttributes({ 'messaging.destination.partition.id': String(position.partition), 'messaging.kafka.offset': Number(position.offset) });
        endSpan(span);
      },
      (error: unknown) => endSpan(span, error),
    );
    this.queue.push(pending as Pending);
    this.remember(event, published);
    void this.pump();
    return this.answer(published, pending, notAfter, lateMessage);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  private remember(event: ChangeEvent, position: Promise<LogPosition>): void {
    this.newest.delete(event.key);
    this.newest.set(event.key, { stamp: stampOf(event), position });
    if (this.newest.size > SENT_KEYS) this.newest.delete(this.newest.keys().next().value as string);
    position.catch(() => {
      if (this.newest.get(event.key)?.position === position) this.newest.delete(event.key);
    });
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) await this.sendBatch(this.queue.splice(0, MAX_COALESCED));
    } finally {
      this.sending = false;
    }
  }

  /** Learns the partition count once, which the partitioner needs. */
  private partitionCount(): Promise<number> {
    this.partitions ??= (async () => {
      await this.producer.connect();
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        const { topics } = await admin.fetchTopicMetadata({ topics: [this.topic] });
        const count = topics[0]?.partitions.length ?? 0;
        if (count === 0) throw new Error(`topic ${this.topic} has no partitions`);
        return count;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    })().catch((error: unknown) => {
      this.partitions = undefined;
      throw error;
    });
    return this.partitions;
  }

  private async sendBatch(queued: Pending[]): Promise<void> {
    const batch: Pending[] = [];
    try {
      const partitions = await this.partitionCount();
      // The last moment before the events are handed to Kafka. One whose publish lease has ended
      // is never sent: its caller got its 503, a later version of the key may already be in the
      // log (core/publish-order.ts), and the relay republishes the current state.
      const now = Date.now();
      for (const p of queued) {
        if (p.state !== 'queued') continue;
        if (p.notAfter > now) {
          p.state = 'handed';
          batch.push(p);
        } else this.giveUp(p);
      }
      if (batch.length === 0) return;
      orderVersionsPerKey(batch);
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      }));
      const indexInPartition: number[] = [];
      const perPartition = new Map<number, number>();
      const messages: Message[] = batch.map(({ event, trace }, i) => {
        const message: Message = {
          key: event.key,
          value: encodeChangeEvent(event),
          headers: { 'replog-schema': String(event.v), ...trace },
        };
        const partition = this.partitioner({ topic: this.topic, partitionMetadata, message });
        const n = perPartition.get(partition) ?? 0;
        perPartition.set(partition, n + 1);
        indexInPartition[i] = n;
        return { ...message, partition };
      });
      const metadata = await this.producer.send({ topic: this.topic, acks: -1, timeout: this.timeoutMs, messages });
      const base = new Map(metadata.map((m) => [m.partition, m.baseOffset]));
      batch.forEach((pending, i) => {
        const partition = messages[i]?.partition as number;
        const baseOffset = base.get(partition);
        if (baseOffset === undefined) {
          pending.reject(translateKafkaError(new Error(`the broker returned no offset for partition ${partition}`), 'produce'));
          return;
        }
        pending.resolve({ partition, offset: (BigInt(baseOffset) + BigInt(indexInPartition[i] ?? 0)).toString() });
      });
    } catch (error) {
      const failure = translateKafkaError(error, 'produce');
      for (const pending of batch) pending.reject(failure);
      // Not handed yet (the connect failed): the same answer, nothing of them was sent.
      for (const pending of queued) {
        if (pending.state !== 'queued') continue;
        pending.state = 'done';
        pending.reject(failure);
      }
    }
  }

  /** An event whose lease ended before it was handed to Kafka: it leaves the queue and is never sent. */
  private giveUp(p: Pending): void {
    p.state = 'done';
    this.queue = this.queue.filter((q) => q !== p);
    p.reject(new LeaseEndedError(`the publish lease of ${p.event.key}@${p.event.version} ended before the log took it`));
  }

  /**
   * The caller's answer: the position once the log has the event, or a 503. An event still
   * queued when its lease ends is given up at that moment (it may never be sent). One that was
   * sent is waited for as long as the lease had left at `publish`, in the time this process could
   * run: a stall (a blocked event loop, a frozen process) does not count, and before a deadline
   * fails there is one turn of I/O, since after a stall Node runs due timers before it reads the
   * answers that arrived meanwhile.
   */
  private answer(published: Promise<LogPosition>, pending: Pending | undefined, notAfter: number, lateMessage: string): Promise<LogPosition> {
    const started = Date.now();
    const budget = notAfter - started;
    return new Promise<LogPosition>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      published.then(
        (position) => settle(() => resolve(position)),
        (error: unknown) => settle(() => reject(error)),
      );
      const check = () => {
        if (settled) return;
        if (pending?.state === 'queued') {
          this.giveUp(pending);
          return;
        }
        const left = budget - (Date.now() - started - this.stalls.stalledSince(started));
        if (left > 0) {
          timer = setTimeout(check, left);
          return;
        }
        setImmediate(() => settle(() => reject(new UnavailableError(lateMessage))));
      };
      timer = setTimeout(check, Math.max(0, budget));
    });
  }
}

/**
 * Events of one key are handed to the publisher in version order (core/publish-order.ts); a batch
 * is still put in version order per key (in the slots that key already holds), so even events
 * handed over out of order by a caller that bypassed the ordering land with versions rising.
 */
export function orderVersionsPerKey<T extends { event: ChangeEvent }>(batch: T[]): void {
  const slots = new Map<string, number[]>();
  batch.forEach((p, i) => {
    const list = slots.get(p.event.key);
    if (list) list.push(i);
    else slots.set(p.event.key, [i]);
  });
  for (const indices of slots.values()) {
    if (indices.length < 2) continue;
    const sorted = indices.map((i) => batch[i] as T).sort((a, b) => compareVersions(a.event, b.event));
    indices.forEach((slot, k) => {
      batch[slot] = sorted[k] as T;
    });
  }
}
