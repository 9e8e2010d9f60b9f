import { randomUUID } from 'node:crypto';
import { createDocumentClient } from '../adapters/dynamodb/document-client';
import { DynamoConsumerStates } from '../adapters/dynamodb/consumer-state-table';
import { DynamoControlTable } from '../adapters/dynamodb/control-table';
import { DynamoFenceTable } from '../adapters/dynamodb/fence-table';
import { DynamoFollowerTable } from '../adapters/dynamodb/follower-table';
import { DynamoLeaderTable } from '../adapters/dynamodb/leader-table';
import { DynamoProgressTable } from '../adapters/dynamodb/progress-table';
import { DynamoAppliedRecordTable } from '../adapters/dynamodb/applied-record-table';
import { DynamoReplayJournal } from '../adapters/dynamodb/replay-journal-table';
import { DynamoOutboxIndex } from '../adapters/dynamodb/outbox-index';
import { DynamoFollowerRepairer } from '../adapters/dynamodb/follower-repairer';
import { DynamoReplicaScanner } from '../adapters/dynamodb/replica-scanner';
import { DynamoStoreProbe } from '../adapters/dynamodb/store-probe';
import { DynamoWatchReports } from '../adapters/dynamodb/watch-report-table';
import { KafkaChangePublisher } from '../adapters/kafka/change-publisher';
import { KafkaDeadLetterProducer } from '../adapters/kafka/dead-letter-producer';
import { KafkaFenceWriter } from '../adapters/kafka/fence-writer';
import { createKafka, createPublisherKafka } from '../adapters/kafka/kafka-client';
import { KafkaLogHeads } from '../adapters/kafka/log-heads';
import { KafkaReplicationAdmin } from '../adapters/kafka/replication-admin';
import { KafkaReplayReader } from '../adapters/kafka/replay-reader';
import { termLogOver } from '../core/term-log';
import { type Config, loadConfig, type StoreLocation } from '../config/config';
import { MAIN_REPLICA } from '../config/replica-settings';
import { DeposedWrites } from '../core/deposed-writes';
import { type ReadConfirmations, readConfirmations } from '../core/lossless-read';
import { FenceMemory } from '../core/fence-memory';
import { CONFIRM_WINDOW_MS, LeaderTerms } from '../core/leader-terms';
import type { WriteLeaderTarget } from '../core/leader-write';
import type { ChangeEvent } from '../core/change-event';
import { ApplyProgressRecorder } from '../core/apply-progress-recorder';
import { OffsetWatcher } from '../core/offset-watcher';
import { AppliedRecordWriter } from '../core/applied-record';
import { OrderedPublisher } from '../core/ordered-publisher';
import type { Log, StallMeter } from '../core/ports';
import type { Acknowledger } from '../core/acknowledgement';
import { ReplicationAcknowledger } from '../core/replication-acknowledger';
import { startStallMeter } from '../core/stall-meter';
import { Instrumentation } from '../core/instrumentation';
import { ReplicationCounters } from '../core/replication-counters';
import { DEGRADED_READ_TIMEOUT_MS, type ReplicationSources, readReplication } from '../core/replication-inspector';
import { ReplicationViewCache } from '../core/replication-view-cache';
import { SyncRoster } from '../core/sync-roster';
import type { TopicHealth } from '../core/topic-durability';
import { namespacedLogger, resolveLogFormat } from '../observability/logger';
import { PrometheusMetrics } from '../observability/prometheus-metrics';
import { TracedAcknowledger } from '../observability/traced-acknowledger';
import { crashAfterCommit } from './fault-injection';
import type { SwitchoverDeps } from './leader-switchover';
import type { FailoverDeps } from './leader-failover';
import { failOver, failoverBoundMs } from './leader-failover';
import { LeaderWatchdog } from './leader-watchdog';
import type { RejoinDeps } from './rejoin';
import { runRelay } from './relay';

/** How long the target of a move of leadership may take to apply the log up to the fence. */
const CATCH_UP_TIMEOUT_MS = 30_000;

/**
 * The composition root: builds adapters from config once per process (one Lambda container, or
 * the local server) and hands them to handlers. Clients are created lazily so a handler that
 * never touches Kafka never connects to it.
 */
export class Runtime {
  readonly startedAt = Date.now();
  readonly counters = new ReplicationCounters();
  /** What this process committed after its term ended, to undo on the old store. */
  readonly deposedWrites = new DeposedWrites();
  /** Everything this process reports about itself; the counters, the logs, Prometheus and (in Lambda) EMF listen to it. */
  readonly instrumentation: Instrumentation;
  /** The same figures for Prometheus (GET /metrics, `replog follower`'s metrics port); none inside Lambda, where EMF reports them. */
  readonly prometheus: PrometheusMetrics | undefined;
  private readonly lazy = new Map<string, unknown>();
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(
    readonly config: Config,
    options: { processMetrics?: boolean } = {},
  ) {
    this.instrumentation = new Instrumentation(this.log('instrumentation'));
    this.counters.listen(this.instrumentation);
    if (!config.metrics.emf) {
      this.prometheus = new PrometheusMetrics(options);
      this.prometheus.listen(this.instrumentation);
    }
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

  /** The default store (DYNAMODB_ENDPOINT / AWS_REGION): every replica and the control store unless placed elsewhere. */
  get documentClient() {
    return this.clientAt({ region: this.config.aws.region, endpoint: this.config.aws.dynamodbEndpoint });
  }

  /** One client per store location, shared by every table there. */
  clientAt(location: StoreLocation) {
    return this.once(`ddb:${location.region}:${location.endpoint ?? ''}`, () => {
      const client = createDocumentClient(location);
      this.closers.push(async () => client.destroy());
      return client;
    });
  }

  /** The control store's client: roles, terms, progress, consumer reports and replay journals. */
  get controlClient() {
    return this.clientAt(this.config.replicas.control);
  }

  /** A replica's own store (its endpoint or region, REPLOG_REPLICA_ENDPOINTS / REPLOG_REPLICA_REGIONS). */
  replicaClient(id: string) {
    return this.clientAt(this.config.replicas.location(id));
  }

  /** A replica's table as a leader's store: any replica may lead. */
  leaderStore(id: string): DynamoLeaderTable {
    return this.once(`leaderStore:${id}`, () => new DynamoLeaderTable(this.replicaClient(id), this.config.tables.replica(id)));
  }

  /** A replica's outbox marks (the relay's work while it leads). */
  outboxIndexOf(id: string): DynamoOutboxIndex {
    return this.once(`outboxIndex:${id}`, () => new DynamoOutboxIndex(this.replicaClient(id), this.config.tables.replica(id)));
  }

  /** Who leads and under which term, and whether a published write may be confirmed (core/leader-terms.ts). */
  get leaderTerms(): LeaderTerms {
    return this.once('leaderTerms', () => {
      const terms = new LeaderTerms({
          // A consistent read of the control store; a state not created yet is created by the roster.
          load: async () => (await this.control.load()) ?? (await this.roster.refresh()),
          ttlMs: this.config.replicas.controlTtlMs,
          waitMs: this.config.replicas.leaderWaitMs,
          now: Date.now,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          onJudged: (waitedMs) => this.instrumentation.emit({ type: 'write.term-checked', waitedMs }),
          onRead: () => this.instrumentation.emit({ type: 'leadership.read' }),
          // Half the confirm window: under load a write's judge finds an answered read recent enough.
          refresh: {
            everyMs: Math.floor(CONFIRM_WINDOW_MS / 2),
            whileWritesWithinMs: 1000,
            schedule: (ms, fn) => {
              const timer = setTimeout(fn, ms);
              timer.unref();
              return () => clearTimeout(timer);
            },
          },
        });
      // First among the closers: no background read may reach a client being destroyed.
      this.closers.unshift(async () => terms.stop());
      return terms;
    });
  }

  /** Where the next write goes: the leading replica's store and publisher, under its term. */
  readonly writeLeader = async (): Promise<WriteLeaderTarget> => {
    const leader = await this.leaderTerms.forWrite();
    return { ...leader, store: this.leaderStore(leader.replica), publisher: this.orderedFor(leader.replica) };
  };

  /** The table of the replica that leads now, for replica=leader reads (the view writes commit by). */
  readonly currentLeaderStore = async (): Promise<DynamoLeaderTable> => this.leaderStore(await this.leaderTerms.leaderForReads());

  get kafka() {
    return this.once('kafka', () => createKafka(this.config.kafka, this.log('kafkajs')));
  }

  /** The main replica's table (`<prefix>-leader`), whoever leads now. */
  get leader(): DynamoLeaderTable {
    return this.leaderStore(MAIN_REPLICA);
  }

  get control(): DynamoControlTable {
    return this.once('control', () => new DynamoControlTable(this.controlClient, this.config.tables.control));
  }

  /** Replays in progress, one journal item per follower in the control table (core/replay-journal.ts). */
  get replayJournal(): DynamoReplayJournal {
    return this.once('replayJournal', () => new DynamoReplayJournal(this.controlClient, this.config.tables.control));
  }

  followerTable(id: string): DynamoFollowerTable {
    return this.once(`follower:${id}`, () => new DynamoFollowerTable(this.replicaClient(id), this.config.tables.replica(id)));
  }

  /** The fences a replica passed, persisted in the control store. */
  fenceMemory(id: string): FenceMemory {
    return this.once(`fences:${id}`, () => new FenceMemory(new DynamoFenceTable(this.controlClient, this.config.tables.control), id));
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
      const kafka = createPublisherKafka(this.config.kafka, this.log('kafkajs'), this.config.publishTimeoutMs);
      const p = new KafkaChangePublisher(kafka, this.config.topic, this.config.publishTimeoutMs, this.stalls, () =>
        this.instrumentation.emit({ type: 'publish.session-ended' }),
      );
      this.closers.push(() => p.disconnect());
      return p;
    });
  }

  /** Writes each new term's fence into the log (a switchover's step 4). */
  get fenceWriter(): KafkaFenceWriter {
    return this.once('fenceWriter', () => {
      const w = new KafkaFenceWriter(this.kafka, this.config.topic, this.config.publishTimeoutMs);
      this.closers.push(() => w.disconnect());
      return w;
    });
  }

  /** What a planned switchover needs (functions/leader-switchover.ts). */
  get switchoverDeps(): SwitchoverDeps {
    return {
      control: this.control,
      replicationSources: this.replicationSources,
      admin: this.admin,
      groupOf: this.config.groupId,
      fences: this.fenceWriter,
      marksOf: (id) => this.outboxIndexOf(id),
      relayPass: (id) => runRelay(this, { replica: id }),
      controlTtlMs: this.config.replicas.controlTtlMs,
      drainTimeoutMs: this.config.relay.graceMs + 5000,
      catchUpTimeoutMs: CATCH_UP_TIMEOUT_MS,
      log: this.log('leadership'),
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    };
  }

  /** A probe of a replica's store that never retries and gives up after REPLOG_LEADER_FAILURE_MS / 3 (at most 1 s). */
  storeProbe(id: string): DynamoStoreProbe {
    return this.once(`probe:${id}`, () => {
      const probe = new DynamoStoreProbe(this.config.replicas.location(id), this.config.tables.replica(id), this.config.failover.probeTimeoutMs);
      this.closers.push(async () => probe.destroy());
      return probe;
    });
  }

  /** The watchdog's last conclusion about the leader, for status. */
  get watchReports(): DynamoWatchReports {
    return this.once('watchReports', () => new DynamoWatchReports(this.controlClient, this.config.tables.control));
  }

  /** Whether the default ack mode's followers committed past a log position, for lossless reads (core/lossless-read.ts). */
  get readConfirmations(): ReadConfirmations {
    return this.once('readConfirmations', () => readConfirmations(this.config.ack.defaultMode, this.roster, this.watcher));
  }

  /** What an unplanned failover needs (functions/leader-failover.ts). */
  get failoverDeps(): FailoverDeps {
    return {
      ...this.switchoverDeps,
      probe: (id) => this.storeProbe(id).probe(),
      mode: this.config.ack.defaultMode,
    };
  }

  /** A watchdog of the leader's store (functions/leader-watchdog.ts); `watcher` names it in status. */
  watchdog(watcher: string): LeaderWatchdog {
    return new LeaderWatchdog({
      control: this.control,
      probe: (id) => this.storeProbe(id).probe(),
      failover: (request) => failOver(this.failoverDeps, request),
      moveDeps: this.switchoverDeps,
      reports: this.watchReports,
      failureMs: this.config.failover.failureMs,
      autoFailover: this.config.failover.auto,
      // A failover's longest wait is its catch-up; a move older than that and a margin has nobody running it.
      stuckMoveMs: this.switchoverDeps.catchUpTimeoutMs + this.switchoverDeps.drainTimeoutMs + 15_000,
      watcher,
      stalls: this.stalls,
      log: this.log('watchdog'),
      now: Date.now,
    });
  }

  /** The longest one watchdog tick may take: one that fails over (see failoverBoundMs). */
  get watchdogTickBoundMs(): number {
    return failoverBoundMs({
      controlTtlMs: this.config.replicas.controlTtlMs,
      publishTimeoutMs: this.config.publishTimeoutMs,
      catchUpTimeoutMs: CATCH_UP_TIMEOUT_MS,
    });
  }

  /** What a rejoin after a failover needs (functions/rejoin.ts): the deposed replica's table and the leader's. */
  rejoinDeps(replica: string): RejoinDeps {
    const table = this.config.tables.replica(replica);
    return {
      control: this.control,
      replica: {
        scanner: new DynamoReplicaScanner(this.replicaClient(replica), table),
        reader: this.leaderStore(replica),
        repairer: new DynamoFollowerRepairer(this.replicaClient(replica), table),
      },
      leader: (id) => {
        const store = this.leaderStore(id);
        const scanner = new DynamoReplicaScanner(this.replicaClient(id), this.config.tables.replica(id));
        return { get: (key: string) => store.get(key), scanner };
      },
      // A throwaway group: the rewind only reads the log, it never owns a follower's offsets.
      termLog: termLogOver(() => new KafkaReplayReader(this.kafka, { groupId: `${this.config.groupId(replica)}-rewind-${randomUUID()}`, topic: this.config.topic, log: this.log('rejoin') })),
      logStart: async () => (await this.admin.endOffsets()).low,
      log: this.log('rejoin'),
      now: Date.now,
    };
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
  /** The replication topic's copies, min ISR and partition health (status). */
  readonly topicHealth = (): Promise<TopicHealth> => this.admin.topicHealth();

  get logHeads(): KafkaLogHeads {
    return this.once('logHeads', () => {
      const h = new KafkaLogHeads(this.kafka, this.config.topic);
      this.closers.push(() => h.disconnect());
      return h;
    });
  }

  /** What local follower consumers report about themselves (running, restarting and why), in the control table. */
  get consumerStates(): DynamoConsumerStates {
    return this.once('consumerStates', () => new DynamoConsumerStates(this.controlClient, this.config.tables.control));
  }

  /** Publishes in each key's version order across processes and records each publish (core/publish-order.ts), for the replica that leads. */
  orderedFor(id: string): OrderedPublisher {
    return this.once(`ordered:${id}`, () => {
      const p = new OrderedPublisher({
        store: this.leaderStore(id),
        publisher: this.publisher,
        windowMs: this.config.publishTimeoutMs,
        log: this.log('publish'),
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        stalls: this.stalls,
        newLeaseId: () => `claim-${randomUUID()}`,
        onOrderWait: (waitedMs, outcome) => this.instrumentation.emit({ type: 'publish.order-wait', waitedMs, outcome }),
        onBacklogWait: (waitedMs) => this.instrumentation.emit({ type: 'publish.backlog-wait', waitedMs }),
        records: { backlogLimit: this.config.publishRecordBacklog },
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
        new SyncRoster(this.control, { followers: this.config.followers, syncFollower: this.config.syncFollower, firstLeader: this.config.replicas.firstLeader }, this.log('control')),
    );
  }

  get watcher(): OffsetWatcher {
    return this.once(
      'watcher',
      () =>
        new OffsetWatcher(
          this.admin,
          {
            pollMs: this.config.ack.pollMs,
            groupOf: this.config.groupId,
            ...(this.config.ack.confirmFrom === 'applied-record' ? { applied: this.appliedRecords } : {}),
          },
          this.log('ack'),
        ),
    );
  }

  /** Decides when a write may be answered; its wait is a span of the write's trace. */
  get acknowledger(): Acknowledger {
    return this.once(
      'ack',
      () =>
        new TracedAcknowledger(new ReplicationAcknowledger({
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
        })),
    );
  }

  /** Follower apply progress, one item per follower and partition in the control table. */
  get progress(): DynamoProgressTable {
    return this.once('progress', () => new DynamoProgressTable(this.controlClient, this.config.tables.control));
  }

  /** Followers' applied records (core/applied-record.ts), one item per follower and partition in the control table. */
  get appliedRecords(): DynamoAppliedRecordTable {
    return this.once('appliedRecords', () => new DynamoAppliedRecordTable(this.controlClient, this.config.tables.control));
  }

  /** The follower side of REPLOG_CONFIRM_FROM=applied-record; undefined when confirmations come from committed offsets only. */
  get appliedWriter(): AppliedRecordWriter | undefined {
    if (this.config.ack.confirmFrom !== 'applied-record') return undefined;
    return this.once('appliedWriter', () => new AppliedRecordWriter(this.appliedRecords, randomUUID));
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
      ...(this.config.ack.confirmFrom === 'applied-record' ? { applied: this.appliedRecords } : {}),
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
          // Partial views serve reads too (status offers its own here): a follower judged on facts
          // not all read is never healthy, so never chosen; one whose facts were read is judged as ever.
          async () => readReplication(this.replicationSources, await this.roster.current(), { timeoutMs: DEGRADED_READ_TIMEOUT_MS }),
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
