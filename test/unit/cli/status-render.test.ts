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
