import { describeDurability, durabilityReport, durableSettings, judgeTopics, singleCopyRisk, type TopicHealth } from '../../../src/core/topic-durability';

const health = (over: Partial<TopicHealth> = {}): TopicHealth => ({
  topic: 'replog.changes',
  brokers: 3,
  partitions: 3,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  uncleanLeaderElection: false,
  underReplicatedPartitions: [],
  belowMinIsrPartitions: [],
  offlinePartitions: [],
  ...over,
});

describe('topic durability', () => {
  it.each([
    [1, 1, 1],
    [2, 2, 2],
    [3, 3, 2],
    [6, 3, 2],
  ])('given %i brokers, asks for RF %i and min.insync.replicas %i', (brokers, rf, minIsr) => {
    expect(durableSettings(brokers)).toEqual({ replicationFactor: rf, minInsyncReplicas: minIsr });
  });

  it('given one broker, a single copy is no risk replog can refuse (it is all there is)', () => {
    expect(singleCopyRisk('t', 1, { replicationFactor: 1, minInsyncReplicas: 1 })).toBeUndefined();
  });

  it('given RF 1 or min ISR 1 on a multi-broker cluster, names the setting and the exact consequence', () => {
    expect(singleCopyRisk('t', 3, { replicationFactor: 1, minInsyncReplicas: 1 })).toMatch(
      /^t has replication factor 1 and min.insync.replicas=1 on a cluster of 3 brokers: a write acknowledged with 200 can be held by one broker only.*gone from the replication log/,
    );
    expect(singleCopyRisk('t', 3, { replicationFactor: 3, minInsyncReplicas: 1 })).toMatch(/min.insync.replicas=1 on a cluster of 3/);
    expect(singleCopyRisk('t', 3, { replicationFactor: 3, minInsyncReplicas: 2 })).toBeUndefined();
  });

  it('given a single-copy topic without consent, refuses and says how to accept it', () => {
    const verdict = judgeTopics([health({ minInsyncReplicas: 1 })], false, 'pass --allow-single-copy');
    expect(verdict.refusal).toMatch(/min.insync.replicas=1.*or pass --allow-single-copy to accept this$/);
  });

  it('given a single-copy topic with consent, does not refuse but warns with the consequence', () => {
    const verdict = judgeTopics([health({ replicationFactor: 1 })], true, 'x');
    expect(verdict.refusal).toBeUndefined();
    expect(verdict.warnings[0]).toMatch(/^SINGLE COPY ACCEPTED: replog.changes has replication factor 1/);
  });

  it('given unclean elections or under-replicated partitions, warns; a durable topic gets a summary only', () => {
    const risky = judgeTopics([health({ uncleanLeaderElection: true, underReplicatedPartitions: [0, 2] })], false, 'x');
    expect(risky.refusal).toBeUndefined();
    expect(risky.warnings).toEqual([
      expect.stringContaining('unclean.leader.election.enable=true'),
      expect.stringContaining('under-replicated partitions now (0, 2)'),
    ]);
    expect(judgeTopics([health()], false, 'x')).toEqual({
      refusal: undefined,
      warnings: [],
      summary: 'replication factor 3, min.insync.replicas 2 on 3 brokers',
    });
  });
});

describe('topic durability as status reports it', () => {
  it('given a healthy topic, state ok and one line with copies, min ISR and brokers', () => {
    const r = durabilityReport(health());
    expect(r).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2, state: 'ok', singleCopyRisk: null, error: null });
    expect(describeDurability(r)).toBe('RF 3  min ISR 2  3 brokers alive  under-replicated none');
  });

  it.each<[Partial<TopicHealth>, string]>([
    [{ underReplicatedPartitions: [1] }, 'under-replicated'],
    [{ underReplicatedPartitions: [0, 1], belowMinIsrPartitions: [0, 1] }, 'below-min-isr'],
    [{ underReplicatedPartitions: [0], belowMinIsrPartitions: [0], offlinePartitions: [0] }, 'offline'],
  ])('given %j, the worst state wins: %s', (over, state) => {
    expect(durabilityReport(health(over)).state).toBe(state);
  });

  it('given partitions below min ISR, single copy and unclean elections, the line says each out loud', () => {
    const line = describeDurability(
      durabilityReport(health({ brokers: 3, replicationFactor: 1, minInsyncReplicas: 1, uncleanLeaderElection: true, belowMinIsrPartitions: [2], offlinePartitions: [2] })),
    );
    expect(line).toContain('BELOW MIN ISR 2 (writes answer 503)');
    expect(line).toContain('OFFLINE 2');
    expect(line).toContain('UNCLEAN ELECTIONS ON');
    expect(line).toContain('SINGLE COPY');
    expect(describeDurability({ error: 'brokers down' })).toBe('durability unknown: brokers down');
    expect(describeDurability(null)).toBe('durability not reported');
  });
});
