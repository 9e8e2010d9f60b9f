import type { Command } from 'commander';
import type { ITopicConfig } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/kafka-client';
import { ensureTopics, replicationTopicConfigs } from '../../adapters/kafka/replication-admin';
import { describeTopics, type TopicDescription } from '../../adapters/kafka/topic-description';
import { loadConfig } from '../../config/config';
import { namespacedLogger, resolveLogFormat } from '../../observability/logger';
import { positiveIntOption } from '../cli-options';

interface CreateOptions {
  partitions?: number;
  replicationFactor?: number;
  dryRun: boolean;
}

/** The topic settings `create` asks for, with the replication factor when one was given. */
export function plannedTopics(topic: string, deadLetterTopic: string, partitions: number, replicationFactor?: number): ITopicConfig[] {
  return replicationTopicConfigs(topic, deadLetterTopic, partitions).map((t) =>
    replicationFactor === undefined ? t : { ...t, replicationFactor },
  );
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
  const rf = t.replicationFactor === undefined ? 'broker default' : String(t.replicationFactor);
  return `${t.topic}  partitions=${t.numPartitions}  replication-factor=${rf}  ${settings}`;
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description('manage the replication log and dead-letter topics on a Kafka cluster');
  topics
    .command('create')
    .description(
      'create the replication topic (compacted) and its dead-letter topic where missing, then check what the cluster holds; connects with KAFKA_BROKERS, KAFKA_SSL and KAFKA_SASL_*',
    )
    .option('--partitions <n>', 'partitions of the replication topic (default: REPLOG_TOPIC_PARTITIONS, 3)', positiveIntOption)
    .option('--replication-factor <n>', 'replicas per partition (default: the broker default; use 3 on MSK and Confluent Cloud)', positiveIntOption)
    .option('--dry-run', 'print the topics and settings that would be created, without connecting', false)
    .action(async (opts: CreateOptions) => {
      const config = loadConfig();
      const planned = plannedTopics(config.topic, config.deadLetterTopic, opts.partitions ?? config.partitions, opts.replicationFactor);
      if (opts.dryRun) {
        process.stdout.write(`${planned.map(describePlan).join('\n')}\n`);
        return;
      }
      const kafka = createKafka(config.kafka, namespacedLogger('kafkajs', config.logLevel, resolveLogFormat(config.logFormat, process.stderr, false)), '-topics');
      await ensureTopics(kafka, planned);
      const actual = await describeTopics(
        kafka,
        planned.map((t) => t.topic),
        ['cleanup.policy', 'retention.ms', 'delete.retention.ms', 'min.compaction.lag.ms', 'min.insync.replicas'],
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
        process.stdout.write(`${found.topic}  partitions=${found.partitions}  ${settings}\n`);
        for (const note of check.notes) process.stdout.write(`  note: ${note}\n`);
      }
      if (problems.length > 0) throw new Error(`the topics exist but are not usable as they are:\n  ${problems.join('\n  ')}`);
      process.stdout.write(`topics ready on ${config.kafka.brokers.join(',')}\n`);
    });
}
