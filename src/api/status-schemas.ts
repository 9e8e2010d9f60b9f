import { z } from 'zod';
import { REPLICA_ID_PATTERN } from './item-schemas';

/**
 * The replication status document (functions/http/replication-status.ts), the admin routes'
 * bodies and answers, and the health routes. Sections the dashboard and `replog status` read are
 * spelled out; objects stay open (more fields may come) and every field listed is checked.
 */
const isoOrNull = z.iso.datetime().nullable();
const partitionListOf = () => z.array(z.number().int().min(0));
const partitionList = partitionListOf();
const offsets = z.record(z.string(), z.string()).meta({ description: 'partition → offset (decimal string)' });

const LeaderSection = z.looseObject({
  replica: z.string(),
  term: z.number().int().min(1),
  state: z.string(),
  since: isoOrNull,
  table: z.string(),
  topic: z.string(),
  startedAt: z.iso.datetime(),
  transition: z
    .looseObject({
      kind: z.string(),
      from: z.string(),
      to: z.string(),
      term: z.number().int(),
      requestedAt: isoOrNull,
      by: z.string(),
      reason: z.string(),
      fence: offsets.nullable(),
    })
    .nullable(),
  terms: z.array(z.looseObject({ term: z.number().int(), leader: z.string(), startedAt: isoOrNull, fence: offsets.nullable().optional() })),
  history: z.array(z.looseObject({ term: z.number().int(), from: z.string(), to: z.string(), at: isoOrNull })),
});

const FollowerView = z.looseObject({
  id: z.string(),
  groupId: z.string(),
  fencedRefusals: z.number().int().min(0),
  role: z.enum(['sync', 'async', 'delayed']),
  priority: z.number(),
  delayMs: z.number().min(0),
  committed: z.record(z.string(), z.string().nullable()),
  lag: z.looseObject({
    events: z.number().int().min(0).nullable().meta({ description: 'Events not yet applied over all partitions; null when some partition’s lag could not be read.' }),
    perPartition: z.record(z.string(), z.number()).meta({ description: 'partition → events not yet applied, for the partitions that could be read' }),
  }),
  applyLagMs: z.looseObject({
    current: z.number().nullable().meta({ description: 'null when the offsets it needs could not be read' }),
    last: z.number().nullable(),
    p99: z.number().nullable(),
    max: z.number().nullable(),
    samples: z.number().int(),
    windowMs: z.number(),
  }),
  lastAppliedAt: isoOrNull,
  lastProgressAt: isoOrNull,
  group: z.looseObject({ state: z.string(), members: z.number().int() }),
  consumer: z.looseObject({ state: z.enum(['running', 'restarting', 'absent', 'silent']), restarts: z.number().int() }).nullable(),
  unread: z.array(z.string()).meta({ description: 'The facts about this follower that could not be read, each with why; when any is, `healthy` is false.' }),
  healthy: z.boolean(),
  healthReason: z.string().nullable(),
});

const Unread = z.looseObject({
  read: z.enum(['endOffsets', 'committedOffsets', 'groupMembership', 'offsetsAtTime', 'progress']),
  error: z.string(),
  groupId: z.string().optional().meta({ description: 'The consumer group whose read failed (committed offsets are read per group).' }),
  thresholdMs: z.number().optional().meta({ description: 'The stall threshold whose offsets-at-time read failed.' }),
  unavailablePartitions: partitionListOf().meta({ description: 'Partitions the log reports offline (no leader), when it could say.' }),
});


const TopicDurability = z
  .union([
    z.looseObject({
      brokers: z.number().int().min(0).meta({ description: 'Brokers the cluster reports alive now.' }),
      partitions: z.number().int().min(0),
      replicationFactor: z.number().int().min(0).meta({ description: 'The smallest replica count of any partition.' }),
      minInsyncReplicas: z.number().int().nullable().meta({ description: 'The topic’s effective min.insync.replicas: how many brokers hold an acknowledged write at worst.' }),
      uncleanLeaderElection: z.boolean().nullable(),
      underReplicatedPartitions: partitionList.meta({ description: 'Partitions whose ISR is smaller than their replica set (a broker down or behind).' }),
      belowMinIsrPartitions: partitionList.meta({ description: 'Partitions whose ISR is below min.insync.replicas: writes there answer 503 NOT_ENOUGH_REPLICAS.' }),
      offlinePartitions: partitionList.meta({ description: 'Partitions with no leader.' }),
      singleCopyRisk: z.string().nullable().meta({ description: 'Why an acknowledged write can live on one broker only, or null.' }),
      state: z.enum(['ok', 'under-replicated', 'below-min-isr', 'offline']),
      error: z.null(),
    }),
    z.looseObject({ error: z.string().meta({ description: 'Why the topic could not be described (brokers down, no permission).' }) }),
  ])
  .nullable()
  .meta({ id: 'TopicDurability', description: 'The replication topic’s copies, min ISR and partition health; null where this process has no Kafka admin client.' });

export const ReplicationStatus = z
  .looseObject({
    leader: LeaderSection,
    control: z.looseObject({
      revision: z.number().int(),
      syncFollower: z.string().nullable(),
      promotions: z.number().int(),
      history: z.array(z.looseObject({ at: z.iso.datetime() })),
    }),
    policy: z.looseObject({
      defaultMode: z.string(),
      syncTimeoutMs: z.number(),
      onSyncTimeout: z.enum(['promote', 'degrade', 'fail']),
      onNoCandidate: z.enum(['degrade', 'fail']),
      stallMs: z.number(),
    }),
    topic: z.looseObject({
      name: z.string(),
      endOffsets: offsets.meta({ description: 'partition → end offset; empty when they could not be read (see offsetsUnavailable)' }),
      startOffsets: offsets,
      offsetsUnavailable: z
        .looseObject({ error: z.string(), unavailablePartitions: partitionList })
        .nullable()
        .meta({ description: 'Why the log’s offsets could not be read and which partitions it reports offline; null when they were read.' }),
      durability: TopicDurability,
    }),
    followers: z.array(FollowerView),
    counters: z.looseObject({
      acks: z.record(z.string(), z.number()),
      syncTimeouts: z.number(),
      promotions: z.number(),
      degradedAcks: z.number(),
      failedAcks: z.number(),
      publishFailures: z.number(),
      producerSessionsEnded: z.number().meta({ description: 'Change-publisher producer sessions ended by a failed send or connect; each next send starts a new producer id.' }),
      backlogWaits: z
        .object({ count: z.number(), maxMs: z.number() })
        .optional()
        .meta({ description: "Writes that waited for room in the publish records' backlog before their commit (REPLOG_PUBLISH_RECORD_BACKLOG): the outbox-mark clears fell behind the commits." }),
    }),
    partial: z.boolean().meta({ description: 'Some replication facts could not be read (see unread); what depends on them is unknown, never reported healthy.' }),
    unread: z.array(Unread),
    fetchedAt: z.iso.datetime(),
    localStores: z.array(z.looseObject({ id: z.string(), endpoint: z.string() })).optional().meta({ description: 'replog dev --separate-stores only: the store processes.' }),
    localProcesses: z
      .array(z.looseObject({ id: z.string(), endpoint: z.string() }))
      .optional()
      .meta({ description: 'replog dev only: the follower process (every follower consumer and the outbox relay), its pid, state and restarts; endpoint is where its metrics are.' }),
  })
  .meta({ id: 'ReplicationStatus', description: 'Who leads, the sync follower, each follower’s lag and health, the log’s offsets and the counters.' });

export const SetSyncFollowerBody = z.object({ followerId: z.string().min(1).max(63) }).strict().meta({ id: 'SetSyncFollowerBody' });

export const SyncFollowerSet = z
  .object({ syncFollower: z.string().nullable(), revision: z.number().int() })
  .meta({ id: 'SyncFollowerSet', description: 'The sync follower now in force and the control state’s revision.' });

export const SetLeaderBody = z
  .object({
    to: z.string().regex(REPLICA_ID_PATTERN, 'a replica id'),
    reason: z.string().min(1).max(500).optional(),
    by: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'SetLeaderBody' });

export const LeaderMoved = z
  .object({
    from: z.string(),
    to: z.string(),
    term: z.number().int(),
    fence: offsets,
    pauseMs: z.number().min(0),
    drained: z.number().int().min(0),
    revision: z.number().int(),
  })
  .meta({ id: 'LeaderMoved', description: 'A finished planned switchover: the new term, its fence and how long writes waited.' });

export const Liveness = z.object({ ok: z.literal(true) }).meta({ id: 'Liveness' });

const Check = z.object({
  ok: z.boolean(),
  ms: z.number().min(0),
  error: z.string().optional().meta({ description: 'Why the check failed (no secrets, no resource names).' }),
});

export const Readiness = z
  .object({
    ready: z.boolean(),
    checks: z.object({ store: Check, broker: Check }),
    down: z.array(z.enum(['store', 'broker'])).meta({ description: 'The dependencies that did not answer; empty when ready.' }),
  })
  .meta({ id: 'Readiness', description: 'Whether this process can serve writes: the leader’s store and the broker both answered.' });

export type ReplicationStatus = z.infer<typeof ReplicationStatus>;
export type SyncFollowerSet = z.infer<typeof SyncFollowerSet>;
export type LeaderMoved = z.infer<typeof LeaderMoved>;
export type Readiness = z.infer<typeof Readiness>;
