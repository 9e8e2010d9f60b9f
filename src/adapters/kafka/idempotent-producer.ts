import type { Kafka, Producer, ProducerRecord, RecordMetadata } from 'kafkajs';

/**
 * A kafkajs idempotent producer (acks=all, one request in flight) whose session ends with the
 * first send that fails.
 *
 * kafkajs gives a failed request's sequence numbers back, so the next send reuses them. When the
 * broker had appended the failed batch (NOT_ENOUGH_REPLICAS_AFTER_APPEND, a timeout after the
 * append, a connection cut before the answer), the next send with other records either has the
 * same sequence range, which the broker takes as a duplicate and answers with the old batch's
 * offset without appending anything (the new records are reported at a position that holds
 * others), or another range, which the broker refuses with OUT_OF_ORDER_SEQUENCE_NUMBER on every
 * send from then on. A fresh producer has a fresh producer id whose sequences start at 0, so
 * nothing it sends can be matched against what the old one sent (the Java client bumps its
 * epoch for the same reason, KIP-360).
 */
export class IdempotentProducer {
  private producer: Producer;
  private connecting: Promise<void> | undefined;
  /** Sessions ended by a failed send since this producer was made (status, tests). */
  resets = 0;

  /**
   * `retries`: kafkajs's own retries of a send within the session (it must allow one for an
   * idempotent producer); past them the send fails and the session ends.
   */
  constructor(
    private readonly kafka: Kafka,
    private readonly retries = 5,
    /** Told each time a failed send or connect ends the session (the write path counts these). */
    private readonly onSessionEnded?: () => void,
  ) {
    this.producer = this.create();
  }

  /**
   * Connects the current session (once; again after a disconnect). A connect that fails ends the
   * session too: kafkajs keeps a broker whose ApiVersions request timed out (a frozen broker
   * accepts connections in its kernel and answers nothing) as connected, with no API versions, and
   * every later request of that session fails at once with "Broker not connected".
   */
  connect(): Promise<void> {
    const producer = this.producer;
    this.connecting ??= producer.connect().catch((error: unknown) => {
      this.endSession(producer);
      throw error;
    });
    return this.connecting;
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    await this.connect();
    const producer = this.producer;
    try {
      return await producer.send(record);
    } catch (error) {
      this.endSession(producer);
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  private create(): Producer {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: this.retries } });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connecting = undefined;
    });
    return producer;
  }

  private endSession(failed: Producer): void {
    if (this.producer !== failed) return;
    this.resets += 1;
    this.producer = this.create();
    this.connecting = undefined;
    void failed.disconnect().catch(() => undefined);
    this.onSessionEnded?.();
  }
}
