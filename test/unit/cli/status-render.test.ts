import { renderStatus, type StatusDocument } from '../../../src/cli/commands/status';

const doc = {
  control: { revision: 3, syncFollower: 'follower-1', promotions: 1 },
  topic: { name: 'replog.changes', endOffsets: { '0': '12' } },
  followers: [
    { id: 'follower-1', role: 'sync', healthy: true, healthReason: null, lag: { events: 0 }, committed: { '0': '12' }, applyLagMs: { current: 0, last: 8, p99: 40 } },
    {
      id: 'follower-2',
      role: 'async',
      healthy: false,
      healthReason: 'stalled: 4 events pending on partition 0 for over 10000 ms, no progress for 15000 ms',
      lag: { events: 4 },
      committed: { '0': '8' },
      applyLagMs: { current: 15000, last: 9, p99: null },
    },
  ],
  counters: { acks: { 'semi-sync': 5 }, syncTimeouts: 0, promotions: 1, degradedAcks: 0, failedAcks: 0, wait: { averageMs: 4.5, p99Ms: 9 } },
} as StatusDocument;

describe('replog status rendering', () => {
  it('given a stalled follower, shows why it is unhealthy and its lag in events and time', () => {
    const lines = renderStatus(doc).split('\n');
    const f2 = lines.find((l) => l.startsWith('follower-2')) ?? '';
    expect(f2).toContain('UNHEALTHY (stalled: 4 events pending on partition 0');
    expect(f2).toMatch(/\)\s+-\s+4\s+15000 ms\s+9 ms \/ -/);
    expect(lines.find((l) => l.startsWith('follower-1'))).toMatch(/healthy\s+-\s+0\s+0 ms\s+8 ms \/ 40 ms\s+0:12/);
  });

  it('given a consumer that is restarting, shows that, how often it restarted and the last error', () => {
    const restarting = {
      ...doc,
      followers: [
        {
          ...doc.followers[1],
          healthReason: 'consumer restarting after KafkaJSNonRetriableError: The coordinator is not aware of this member (restart 2, next attempt in 1 s)',
          consumer: {
            state: 'restarting',
            restarts: 2,
            lastError: { name: 'KafkaJSNonRetriableError', message: 'The coordinator is not aware of this member', at: Date.UTC(2024, 4, 1, 12) },
          },
        },
      ],
    } as StatusDocument;
    const line = renderStatus(restarting).split('\n').find((l) => l.startsWith('follower-2')) ?? '';
    expect(line).toContain('UNHEALTHY (consumer restarting after KafkaJSNonRetriableError');
    expect(line).toContain(
      'restarting (2 restarts), last KafkaJSNonRetriableError: The coordinator is not aware of this member at 2024-05-01T12:00:00.000Z',
    );
  });
});

describe('replog status: the log’s durability', () => {
  const durability = {
    brokers: 2,
    partitions: 3,
    replicationFactor: 3,
    minInsyncReplicas: 2,
    uncleanLeaderElection: false,
    underReplicatedPartitions: [0, 2],
    belowMinIsrPartitions: [],
    offlinePartitions: [],
    singleCopyRisk: null,
    state: 'under-replicated' as const,
    error: null,
  };

  it('given a broker down, the topic line is followed by copies, min ISR and the under-replicated partitions', () => {
    const lines = renderStatus({ ...doc, topic: { ...doc.topic, durability } }).split('\n');
    const at = lines.findIndex((l) => l.startsWith('topic replog.changes'));
    expect(lines[at + 1]).toBe('log durability  RF 3  min ISR 2  2 brokers alive  under-replicated 0,2');
  });

  it('given a single-copy topic, prints the exact consequence under the line', () => {
    const risk = 'replog.changes has replication factor 1 on a cluster of 3 brokers: a write acknowledged with 200 can be held by one broker only';
    const lines = renderStatus({ ...doc, topic: { ...doc.topic, durability: { ...durability, replicationFactor: 1, singleCopyRisk: risk } } }).split('\n');
    expect(lines).toContain(`  ${risk}`);
  });

  it('given a replog that does not report durability, prints no durability line', () => {
    expect(renderStatus(doc)).not.toContain('log durability');
  });
});

describe('replog status: a partial status (the log partly unavailable)', () => {
  const partial = {
    ...doc,
    topic: { ...doc.topic, endOffsets: {}, offsetsUnavailable: { error: 'Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE', unavailablePartitions: [2] } },
    followers: [
      {
        id: 'follower-1',
        role: 'sync',
        healthy: false,
        healthReason: 'the log could not be read: end offsets: Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE',
        lag: { events: null },
        committed: { '0': '12' },
        unread: ['end offsets: Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE'],
        applyLagMs: { current: null, last: 8, p99: 40 },
      },
      {
        id: 'follower-2',
        role: 'async',
        healthy: false,
        healthReason: 'the log could not be read: committed offsets of g-follower-2: COORDINATOR_NOT_AVAILABLE',
        lag: { events: null },
        committed: {},
        unread: ['committed offsets of g-follower-2: COORDINATOR_NOT_AVAILABLE'],
        applyLagMs: { current: null, last: null, p99: null },
      },
    ],
    partial: true,
    unread: [
      { read: 'endOffsets', error: 'Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE', unavailablePartitions: [2] },
      { read: 'committedOffsets', groupId: 'g-follower-2', error: 'COORDINATOR_NOT_AVAILABLE', unavailablePartitions: [] },
    ],
  } as StatusDocument;

  it('says it is partial and which reads failed, before anything else about the log', () => {
    const lines = renderStatus(partial).split('\n');
    expect(lines[0]).toMatch(/^PARTIAL: some replication facts could not be read/);
    expect(lines[1]).toBe('  endOffsets: partition 2 offline: Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE');
    expect(lines[2]).toBe('  committedOffsets of g-follower-2: COORDINATOR_NOT_AVAILABLE');
    expect(lines).toContain('topic replog.changes  end offsets UNKNOWN (partition 2 offline: Kafka fetchTopicOffsets failed: LEADER_NOT_AVAILABLE)');
  });

  it('shows an unknown lag as unknown, never 0, and a follower whose offsets were not read as unhealthy with why', () => {
    const lines = renderStatus(partial).split('\n');
    const f1 = lines.find((l) => l.startsWith('follower-1')) ?? '';
    expect(f1).toMatch(/UNHEALTHY \(the log could not be read: end offsets: .*\)\s+-\s+unknown\s+-\s+8 ms \/ 40 ms\s+0:12/);
    const f2 = (lines.find((l) => l.startsWith('follower-2')) ?? '').trimEnd();
    expect(f2).toMatch(/\s+unknown\s+-\s+- \/ -\s+unknown$/);
  });

  it('given a complete status, prints no PARTIAL banner', () => {
    expect(renderStatus({ ...doc, partial: false, unread: [] })).not.toContain('PARTIAL');
  });
});
