import { randomUUID } from 'node:crypto';
import { createDocumentClient } from '../adapters/dynamodb/document-client';
import { DynamoConsumerStates } from '../adapters/dynamodb/consumer-state-table';
import { DynamoControlTable } from '../adapters/dynamodb/control-table';
import { DynamoFollowerTable } from '../adapters/dynamodb/follower-table';
import { DynamoLeaderTable } from '../adapters/dynamodb/leader-table';
import { DynamoProgressTable } from '../adapters/dynamodb/progress-table';
import { DynamoReplayJournal } from '../adapters/dynamodb/replay-journal-table';
import { DynamoOutboxIndex } from '../adapters/dynamodb/outbox-index';
import { KafkaChangePublisher } from '../adapters/kafka/change-publisher';
import { KafkaDeadLetterProducer } from '../adapters/kafka/dead-letter-producer';
import { createKafka } from '../adapters/kafka/kafka-client';
import { KafkaLogHeads } from '../adapters/kafka/log-heads';
import { KafkaReplicationAdmin } from '../adapters/kafka/replication-admin';
import { type Config, loadConfig } from '../config/config';
import type { ChangeEvent } from '../core/change-event';
import { ApplyProgressRecorder } from '../core/apply-progress-recorder';
import { OffsetWatcher } from '../core/offset-watcher';
import { OrderedPublisher } from '../core/ordered-publisher';
import type { Log, StallMeter } from '../core/ports';
import { ReplicationAcknowledger } from '../core/replication-acknowledger';
import { startStallMeter } from '../core/stall-meter';
import { Instrumentation } from '../core/instrumentation';
import { ReplicationCounters } from '../core/replication-counters';
import { inspectReplication, type ReplicationSources } from '../core/replication-inspector';
import { ReplicationViewCache } from '../core/replication-view-cache';
import { SyncRoster } from '../core/sync-roster';
import { namespacedLogger, resolveLogFormat } from '../observability/logger';
import { crashAfterCommit } from './fault-injection';

/**
 * The composition root: builds adapters from config once per process (one Lambda container, or
 * the local server) and hands them to handlers. Clients are created lazily so a handler that
 * never touches Kafka never connects to it.
 */
export class Runtime {
  readonly startedAt = Date.now();
  readonly counters = new ReplicationCounters();
  /** Everything this process reports about itself; the counters, the logs and (in Lambda) EMF listen to it. */
  readonly instrumentation: Instrumentation;
  private readonly lazy = new Map<string, unknown>();
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(readonly config: Config) {
    this.instrumentation = new Instrumentation(this.log('instrumentation'));
    this.counters.listen(this.instrumentation);
    this.instrumentation.on('write.acknowledged', ({ result }) =>
      this.log('leader').debug('write acknowledged', {
        topic: this.config.topic,
        partition: result.position.partition,
        offset: result.position.offset,
        key: result.key,
        version: result.version,
        ack: result.ack.mode,
        waitedMs: result.ack.waitedMs,
      }),
    );
  }

  log(namespace: string): Log {
    return this.once(`log:${namespace}`, () =>
      namespacedLogger(namespace, this.config.logLevel, resolveLogFormat(this.config.logFormat, process.stderr, this.config.metrics.emf)),
    );
  }

  get documentClient() {
    return this.once('ddb', () => {
      const client = createDocumentClient({ region: this.config.aws.region, endpoint: this.config.aws.dynamodbEndpoint });
      this.closers.push(async () => client.destroy());
      return client;
    });
  }

  get kafka() {
    return this.once('kafka', () => createKafka(this.config.kafka, this.log('kafkajs')));
  }

  get leader(): DynamoLeaderTable {
    return this.once('leader', () => new DynamoLeaderTable(this.documentClient, this.config.tables.leader));
  }

  get outboxIndex(): DynamoOutboxIndex {
    return this.once('outboxIndex', () => new DynamoOutboxIndex(this.documentClient, this.config.tables.leader));
  }

  get control(): DynamoControlTable {
    return this.once('control', () => new DynamoControlTable(this.documentClient, this.config.tables.control));
  }

  /** Replays in progress, one journal item per follower in the control table (core/replay-journal.ts). */
  get replayJournal(): DynamoReplayJournal {
    return this.once('replayJournal', () => new DynamoReplayJournal(this.documentClient, this.config.tables.control));
  }

  followerTable(id: string): DynamoFollowerTable {
    return this.once(`follower:${id}`, () => new DynamoFollowerTable(this.documentClient, this.config.tables.follower(id)));
  }

  /** When this process could not run (a blocked event loop, a frozen process): publish deadlines do not count it (core/stall-meter.ts). */
  get stalls(): StallMeter {
    return this.once('stalls', () => {
      const { meter, stop } = startStallMeter();
      this.closers.push(async () => stop());
      return meter;
    });
  }

  get publisher(): KafkaChangePublisher {
    return this.once('publisher', () => {
      const p = new KafkaChangePublisher(this.kafka, this.config.topic, this.config.publishTimeoutMs, this.stalls);
      this.closers.push(() => p.disconnect());
      return p;
    });
  }

  get deadLetters(): KafkaDeadLetterProducer {
    return this.once('dlq', () => {
      const p = new KafkaDeadLetterProducer(this.kafka, this.config.deadLetterTopic);
      this.closers.push(() => p.disconnect());
      return p;
    });
  }

  get admin(): KafkaReplicationAdmin {
    return this.once('admin', () => {
      const a = new KafkaReplicationAdmin(this.kafka, this.config.topic);
      this.closers.push(() => a.disconnect());
      return a;
    });
  }

  /** The record at a log position, for `current` apply lag (core/apply-lag.ts). */
  get logHeads(): KafkaLogHeads {
    return this.once('logHeads', () => {
      const h = new KafkaLogHeads(this.kafka, this.config.topic);
      this.closers.push(() => h.disconnect());
      return h;
    });
  }

  /** What local follower consumers report about themselves (running, restarting and why), in the control table. */
  get consumerStates(): DynamoConsumerStates {
    return this.once('consumerStates', () => new DynamoConsumerStates(this.documentClient, this.config.tables.control));
  }

  /** Publishes in each key's version order across processes and records each publish (core/publish-order.ts). */
  get ordered(): OrderedPublisher {
    return this.once('ordered', () => {
      const p = new OrderedPublisher({
        store: this.leader,
        publisher: this.publisher,
        windowMs: this.config.publishTimeoutMs,
        log: this.log('publish'),
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        stalls: this.stalls,
        newLeaseId: () => `claim-${randomUUID()}`,
        onOrderWait: (waitedMs, outcome) => this.instrumentation.emit({ type: 'publish.order-wait', waitedMs, outcome }),
      });
      this.closers.unshift(() => p.drain());
      return p;
    });
  }

  /** The fault suite's crash hook (undefined unless REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY > 0). */
  get afterCommit(): ((event: ChangeEvent) => void) | undefined {
    return this.once('afterCommit', () => crashAfterCommit(this.config.faults.crashAfterCommitProbability, this.log('faults')));
  }

  get roster(): SyncRoster {
    return this.once(
      'roster',
      () =>
        new SyncRoster(this.control, { followers: this.config.followers, syncFollower: this.config.syncFollower }, this.log('control')),
    );
  }

  get watcher(): OffsetWatcher {
    return this.once(
      'watcher',
      () => new OffsetWatcher(this.admin, { pollMs: this.config.ack.pollMs, groupOf: this.config.groupId }, this.log('ack')),
    );
  }

  get acknowledger(): ReplicationAcknowledger {
    return this.once(
      'ack',
      () =>
        new ReplicationAcknowledger({
          watcher: this.watcher,
          roster: this.roster,
          sources: this.replicationSources,
          instrumentation: this.instrumentation,
          policy: {
            syncTimeoutMs: this.config.ack.syncTimeoutMs,
            onSyncTimeout: this.config.ack.onSyncTimeout,
            onNoCandidate: this.config.ack.onNoCandidate,
          },
          log: this.log('ack'),
          now: Date.now,
        }),
    );
  }

  /** Follower apply progress, one item per follower and partition in the control table. */
  get progress(): DynamoProgressTable {
    return this.once('progress', () => new DynamoProgressTable(this.documentClient, this.config.tables.control));
  }

  get progressRecorder(): ApplyProgressRecorder {
    return this.once('progressRecorder', () => {
      const recorder = new ApplyProgressRecorder(this.progress, this.log('progress'), this.config.progressFlushMs);
      this.closers.unshift(() => recorder.flushAll());
      return recorder;
    });
  }

  get replicationSources(): ReplicationSources {
    return this.once('sources', () => ({
      admin: this.admin,
      progress: this.progress,
      heads: this.logHeads,
      consumers: this.consumerStates,
      groupOf: this.config.groupId,
      stallMs: this.config.stallMs,
      log: this.log('status'),
      now: Date.now,
    }));
  }

  /** The replication view the read path uses (replica=any, lag headers), refreshed at most every REPLOG_READ_VIEW_TTL_MS. */
  get views(): ReplicationViewCache {
    return this.once(
      'views',
      () =>
        new ReplicationViewCache(
          async () => inspectReplication(this.replicationSources, await this.roster.current()),
          this.config.reads.viewTtlMs,
          Date.now,
        ),
    );
  }

  async close(): Promise<void> {
    for (const close of this.closers) await close().catch(() => undefined);
    this.closers.length = 0;
    this.lazy.clear();
  }

  private once<T>(name: string, make: () => T): T {
    if (!this.lazy.has(name)) this.lazy.set(name, make());
    return this.lazy.get(name) as T;
  }
}

let shared: Runtime | undefined;

/** The per-container runtime used by Lambda entry points; the local runtime injects its own. */
export function defaultRuntime(): Runtime {
  shared ??= new Runtime(loadConfig());
  return shared;
}
