/**
 * How many copies of an acknowledged write the replication log keeps, and whether that is
 * enough. Every replog guarantee rests on the log: an `async` 200 means "in Kafka", replay and
 * failover rebuild from it. With acks=all a produce is acknowledged once every in-sync replica
 * has it, and the ISR may shrink down to min.insync.replicas: that number, not the replication
 * factor, is how many brokers hold an acknowledged write at worst.
 */
export interface DurableSettings {
  replicationFactor: number;
  minInsyncReplicas: number;
}

/**
 * What replog asks for on a cluster of `brokers`: RF = min(3, brokers) and min.insync.replicas 2
 * wherever there are two copies (Kafka's own production advice is RF 3, min ISR 2). With RF 2 that
 * means one broker lost stops writes (503, committed on the leader and relayed later) rather than
 * acknowledging writes held by one broker; a single broker can only ever hold one copy.
 */
export function durableSettings(brokers: number): DurableSettings {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 2 ? 2 : 1 };
}

/** A topic as the cluster holds it now (status, `replog topics create`, the startup check). */
export interface TopicHealth {
  topic: string;
  /** Brokers the cluster reports alive now. */
  brokers: number;
  partitions: number;
  /** The smallest replica count of any partition (they are normally all equal). */
  replicationFactor: number;
  /** The topic's effective min.insync.replicas (its own setting or the broker default); null if unreadable. */
  minInsyncReplicas: number | null;
  /** unclean.leader.election.enable: true lets an out-of-sync replica lead and drop acknowledged writes. */
  uncleanLeaderElection: boolean | null;
  /** Partitions whose ISR is smaller than their replica set. */
  underReplicatedPartitions: number[];
  /** Partitions whose ISR is below min.insync.replicas: acks=all produces fail with NOT_ENOUGH_REPLICAS. */
  belowMinIsrPartitions: number[];
  /** Partitions with no leader: nothing can be produced to or read from them. */
  offlinePartitions: number[];
}

/**
 * Why an acknowledged write could live on one broker only, with the exact consequence, or
 * undefined. A single-broker cluster is what it is (the local default): nothing to refuse there.
 */
export function singleCopyRisk(
  topic: string,
  brokers: number,
  s: { replicationFactor: number; minInsyncReplicas: number | null },
): string | undefined {
  if (brokers < 2) return undefined;
  const reasons: string[] = [];
  if (s.replicationFactor < 2) reasons.push(`replication factor ${s.replicationFactor}`);
  if (s.minInsyncReplicas !== null && s.minInsyncReplicas < 2) reasons.push(`min.insync.replicas=${s.minInsyncReplicas}`);
  if (reasons.length === 0) return undefined;
  return (
    `${topic} has ${reasons.join(' and ')} on a cluster of ${brokers} brokers: a write acknowledged with 200 can be held by one broker only, ` +
    'and if that broker fails before another replica copies it, the write is gone from the replication log ' +
    '(followers never apply it, a replay or a failover never sees it) although its client was told it was durable'
  );
}

/** unclean.leader.election.enable=true: a replica that missed acknowledged writes may become leader and truncate them away. */
export function uncleanElectionRisk(topic: string, unclean: boolean | null): string | undefined {
  if (unclean !== true) return undefined;
  return `${topic} has unclean.leader.election.enable=true: after a leader failure an out-of-sync replica may lead and acknowledged writes are truncated from the log`;
}

export interface DurabilityVerdict {
  /** Set when the topics must not be used as they are (single copy without the user's consent). */
  refusal: string | undefined;
  /** Loud warnings: risks the user accepted, unclean elections, partitions short of replicas now. */
  warnings: string[];
  /** One line for people: "RF 3, min ISR 2 on 3 brokers". */
  summary: string;
}

/**
 * The startup check and `replog topics create`'s check over the replication and dead-letter
 * topics: a single-copy configuration on a multi-broker cluster is refused unless allowed, and
 * then still said out loud with its consequence.
 */
export function judgeTopics(topics: readonly TopicHealth[], allowSingleCopy: boolean, howToAllow: string): DurabilityVerdict {
  const risks: string[] = [];
  const warnings: string[] = [];
  for (const t of topics) {
    const risk = singleCopyRisk(t.topic, t.brokers, t);
    if (risk) risks.push(risk);
    const unclean = uncleanElectionRisk(t.topic, t.uncleanLeaderElection);
    if (unclean) warnings.push(unclean);
    if (t.underReplicatedPartitions.length > 0) {
      warnings.push(`${t.topic} has under-replicated partitions now (${t.underReplicatedPartitions.join(', ')}): a broker is down or behind`);
    }
  }
  const main = topics[0];
  const summary = main
    ? `replication factor ${main.replicationFactor}, min.insync.replicas ${main.minInsyncReplicas ?? 'unknown'} on ${main.brokers} broker${main.brokers === 1 ? '' : 's'}`
    : 'no topics';
  if (risks.length === 0) return { refusal: undefined, warnings, summary };
  if (!allowSingleCopy) return { refusal: `${risks.join('; ')}. Recreate the topics with at least 2 replicas and min.insync.replicas=2, or ${howToAllow} to accept this`, warnings, summary };
  return { refusal: undefined, warnings: [...risks.map((r) => `SINGLE COPY ACCEPTED: ${r}`), ...warnings], summary };
}

/** The replication topic's durability as status shows it (JSON, `replog status`, the dashboard): its health and what that means. */
export interface DurabilityReport extends Omit<TopicHealth, 'topic'> {
  /** Why an acknowledged write can live on one broker only (singleCopyRisk), or null. */
  singleCopyRisk: string | null;
  /** What acks=all writes meet now: "ok", or why produces fail or wait (below min ISR, offline). */
  state: 'ok' | 'under-replicated' | 'below-min-isr' | 'offline';
  error: null;
}

/** Status could not describe the topic (brokers down, no permission): shown, never fatal. */
export interface DurabilityUnknown {
  error: string;
}

export function durabilityReport(h: TopicHealth): DurabilityReport {
  const state =
    h.offlinePartitions.length > 0
      ? 'offline'
      : h.belowMinIsrPartitions.length > 0
        ? 'below-min-isr'
        : h.underReplicatedPartitions.length > 0
          ? 'under-replicated'
          : 'ok';
  return {
    brokers: h.brokers,
    partitions: h.partitions,
    replicationFactor: h.replicationFactor,
    minInsyncReplicas: h.minInsyncReplicas,
    uncleanLeaderElection: h.uncleanLeaderElection,
    underReplicatedPartitions: h.underReplicatedPartitions,
    belowMinIsrPartitions: h.belowMinIsrPartitions,
    offlinePartitions: h.offlinePartitions,
    singleCopyRisk: singleCopyRisk(h.topic, h.brokers, h) ?? null,
    state,
    error: null,
  };
}

/** One line for people (`replog status`, the dashboard): copies, min ISR and what is short now. */
export function describeDurability(d: DurabilityReport | DurabilityUnknown | null): string {
  if (d === null) return 'durability not reported';
  if (d.error !== null) return `durability unknown: ${d.error}`;
  const parts = [
    `RF ${d.replicationFactor}`,
    `min ISR ${d.minInsyncReplicas ?? '?'}`,
    `${d.brokers} broker${d.brokers === 1 ? '' : 's'} alive`,
    `under-replicated ${d.underReplicatedPartitions.length === 0 ? 'none' : d.underReplicatedPartitions.join(',')}`,
  ];
  if (d.belowMinIsrPartitions.length > 0) parts.push(`BELOW MIN ISR ${d.belowMinIsrPartitions.join(',')} (writes answer 503)`);
  if (d.offlinePartitions.length > 0) parts.push(`OFFLINE ${d.offlinePartitions.join(',')}`);
  if (d.uncleanLeaderElection === true) parts.push('UNCLEAN ELECTIONS ON');
  if (d.singleCopyRisk) parts.push('SINGLE COPY');
  return parts.join('  ');
}
