import { Kafka, logLevel } from 'kafkajs';

/**
 * What the broker says of a consumer group, for a fault case that failed: its state and members,
 * and per partition the group's committed offset against the log end. One line, to print beside a
 * process's own output when a replica did not catch up.
 */
export async function describeGroupOffsets(brokers: string[], groupId: string, topic: string): Promise<string> {
  const kafka = new Kafka({ brokers, clientId: 'replog-fault-diagnosis', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([groupId])).groups;
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
    const partitions = ends.map((e) => `p${e.partition} committed ${at.get(e.partition) ?? '-'} of ${e.high}`).join(', ');
    return `group ${groupId}: ${group?.state ?? 'unknown'}, ${group?.members.length ?? 0} member(s) ${JSON.stringify(group?.members.map((m) => m.memberId) ?? [])}; ${partitions}`;
  } finally {
    await admin.disconnect();
  }
}
