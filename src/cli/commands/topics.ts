import type { Command } from 'commander';
import type { ITopicConfig } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/kafka-client';
import { ensureTopics, replicationTopicConfigs } from '../../adapters/kafka/replication-admin';
import { describeTopics, type TopicDescription } from '../../adapters/kafka/topic-description';
import { clusterBrokers } from '../../adapters/kafka/topic-provisioner';
import { loadConfig } from '../../config/config';
import { ConfigError } from '../../core/errors';
import { durableSettings, judgeTopics, type TopicHealth } from '../../core/topic-durability';
import { namespacedLogger, resolveLogFormat } from '../../observability/logger';
import { positiveIntOption } from '../cli-options';

interface CreateOptions {
  partitions?: number;
  replicationFactor?: number;
  minInsyncReplicas?: number;
  brokers?: number;
  allowSingleCopy: boolean;
  dryRun: boolean;
}

/**
 * The topic settings `create` asks for on a cluster of `brokers`: replog's durable defaults
 * (RF min(3, brokers), min.insync.replicas 2 where there are two copies, no unclean elections),
 * with the replication factor and min ISR the user gave instead where given.
 */
export function plannedTopics(
  topic: string,
  deadLetterTopic: string,
  partitions: number,
  brokers: number,
  given: { replicationFactor?: number; minInsyncReplicas?: number } = {},
): ITopicConfig[] {
  const defaults = durableSettings(brokers);
  const replicationFactor = given.replicationFactor ?? defaults.replicationFactor;
  const minInsyncReplicas = given.minInsyncReplicas ?? (replicationFactor >= 2 ? 2 : 1);
  return replicationTopicConfigs(topic, deadLetterTopic, partitions, { replicationFactor, minInsyncReplicas });
}

/** A planned topic as the durability check sees it, before anything exists. */
export function plannedHealth(t: ITopicConfig, brokers: number): TopicHealth {
  const minIsr = t.configEntries?.find((e) => e.name === 'min.insync.replicas')?.value;
  return {
    topic: t.topic,
    brokers,
    partitions: t.numPartitions ?? 0,
    replicationFactor: t.replicationFactor ?? 1,
    minInsyncReplicas: minIsr === undefined ? null : Number(minIsr),
    uncleanLeaderElection: t.configEntries?.find((e) => e.name === 'unclean.leader.election.enable')?.value === 'true',
    underReplicatedPartitions: [],
    belowMinIsrPartitions: [],
    offlinePartitions: [],
  };
}

/** An existing topic as the durability check sees it. */
export function actualHealth(d: TopicDescription, brokers: number): TopicHealth {
  const minIsr = d.configs['min.insync.replicas'];
  const unclean = d.configs['unclean.leader.election.enable'];
  return {
    topic: d.topic,
    brokers,
    partitions: d.partitions,
    replicationFactor: d.replicationFactor,
    minInsyncReplicas: minIsr === undefined ? null : Number(minIsr),
    uncleanLeaderElection: unclean === undefined ? null : unclean === 'true',
    underReplicatedPartitions: d.underReplicatedPartitions,
    belowMinIsrPartitions: [],
    offlinePartitions: [],
  };
}

/**
 * Differences that matter between what exists and what replog needs. A wrong cleanup policy is a
 * problem (replay would no longer be bounded by keys, or poison evidence would be compacted away);
 * a different partition count is only reported, because changing it breaks per-key ordering.
 */
export function topicProblems(planned: ITopicConfig, actual: TopicDescription): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  if (!actual.exists) return { problems: [`${planned.topic} does not exist after creation`], notes };
  const wantedPolicy = planned.configEntries?.find((e) => e.name === 'cleanup.policy')?.value;
  const policy = actual.configs['cleanup.policy'];
  if (wantedPolicy !== undefined && policy !== undefined && policy !== wantedPolicy) {
    problems.push(
      `${planned.topic} has cleanup.policy=${policy}; replog needs ${wantedPolicy} (kafka-configs.sh --alter --entity-type topics --entity-name ${planned.topic} --add-config cleanup.policy=${wantedPolicy})`,
    );
  }
  if (planned.numPartitions !== undefined && actual.partitions !== planned.numPartitions) {
    notes.push(`${planned.topic} already has ${actual.partitions} partitions (asked for ${planned.numPartitions}); keeping ${actual.partitions}`);
  }
  return { problems, notes };
}

function describePlan(t: ITopicConfig): string {
  const settings = (t.configEntries ?? []).map((e) => `${e.name}=${e.value}`).join(' ');
  return `${t.topic}  partitions=${t.numPartitions}  replication-factor=${t.replicationFactor}  ${settings}`;
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('manage the replication log and dead-letter topics on a Kafka cluster');
  topics
    .command('create')
    .description(
      'create the replication topic (compacted) and its dead-letter topic where missing, then check what the cluster holds; connects with KAFKA_BROKERS, KAFKA_SSL and KAFKA_SASL_*',
    )
    .option('--partitions <n>', 'partitions of the replication topic (default: REPLOG_TOPIC_PARTITIONS, 3)', positiveIntOption)
    .option('--replication-factor <n>', 'replicas per partition (default: min(3, brokers in the cluster))', positiveIntOption)
    .option('--min-insync-replicas <n>', 'min.insync.replicas of both topics (default: 2 where there are 2 replicas or more, else 1)', positiveIntOption)
    .option('--brokers <n>', 'with --dry-run: plan for a cluster of n brokers (default: 1, or the cluster when connected)', positiveIntOption)
    .option(
      '--allow-single-copy',
      'accept settings where an acknowledged write can live on one broker only (replication factor or min.insync.replicas below 2 on a multi-broker cluster); they are refused otherwise',
      false,
    )
    .option('--dry-run', 'print the topics and settings that would be created, without connecting', false)
    .action(async (opts: CreateOptions) => {
      const config = loadConfig();
      const given = { replicationFactor: opts.replicationFactor, minInsyncReplicas: opts.minInsyncReplicas };
      const partitions = opts.partitions ?? config.partitions;
      const allow = opts.allowSingleCopy || config.kafka.allowSingleCopy;
      const howToAllow = 'pass --allow-single-copy';
      const say = (line: string) => process.stderr.write(`replog: ${line}\n`);
      if (opts.dryRun) {
        // Without --brokers, a plan for RF n is a plan for a cluster of at least n brokers.
        const brokers = opts.brokers ?? Math.max(1, opts.replicationFactor ?? 1);
        const planned = plannedTopics(config.topic, config.deadLetterTopic, partitions, brokers, given);
        const verdict = judgeTopics(planned.map((t) => plannedHealth(t, brokers)), allow, howToAllow);
        process.stdout.write(`${planned.map(describePlan).join('\n')}\n`);
        for (const w of verdict.warnings) say(`WARNING: ${w}`);
        if (verdict.refusal) throw new ConfigError(`these settings would be refused: ${verdict.refusal}`);
        return;
      }
      const kafka = createKafka(config.kafka, namespacedLogger('kafkajs', config.logLevel, resolveLogFormat(config.logFormat, process.stderr, false)), '-topics');
      const brokers = await clusterBrokers(kafka);
      const planned = plannedTopics(config.topic, config.deadLetterTopic, partitions, brokers, given);
      // Refused before anything is created: a 4xx-like refusal leaves the cluster as it was.
      const before = judgeTopics(planned.map((t) => plannedHealth(t, brokers)), allow, howToAllow);
      if (before.refusal) throw new ConfigError(`refusing to create the topics: ${before.refusal}`);
      await ensureTopics(kafka, planned);
      const actual = await describeTopics(
        kafka,
        planned.map((t) => t.topic),
        ['cleanup.policy', 'retention.ms', 'delete.retention.ms', 'min.compaction.lag.ms', 'min.insync.replicas', 'unclean.leader.election.enable'],
      );
      const problems: string[] = [];
      for (const plan of planned) {
        const found = actual.find((a) => a.topic === plan.topic);
        if (!found) continue;
        const check = topicProblems(plan, found);
        problems.push(...check.problems);
        const settings = Object.entries(found.configs)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        const under = found.underReplicatedPartitions.length > 0 ? `  under-replicated=${found.underReplicatedPartitions.join(',')}` : '';
        process.stdout.write(`${found.topic}  partitions=${found.partitions}  replication-factor=${found.replicationFactor}${under}  ${settings}\n`);
        for (const note of check.notes) process.stdout.write(`  note: ${note}\n`);
      }
      // Existing topics are checked as they are: an older topic may hold one copy only.
      const after = judgeTopics(
        actual.filter((a) => a.exists).map((a) => actualHealth(a, brokers)),
        allow,
        howToAllow,
      );
      for (const w of after.warnings) say(`WARNING: ${w}`);
      if (after.refusal) problems.push(after.refusal);
      if (problems.length > 0) throw new Error(`the topics exist but are not usable as they are:\n  ${problems.join('\n  ')}`);
      process.stdout.write(`topics ready on ${config.kafka.brokers.join(',')} (${brokers} broker${brokers === 1 ? '' : 's'}): ${after.summary}\n`);
    });
}
