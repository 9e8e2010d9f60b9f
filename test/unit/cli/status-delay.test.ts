import { renderStatus, type StatusDocument } from '../../../src/cli/commands/status';

describe('replog status for a delayed follower', () => {
  it('given a delayed follower, shows its intended delay next to its role', () => {
    const doc = {
      control: { revision: 1, syncFollower: 'follower-1', promotions: 0 },
      topic: { name: 'replog.changes', endOffsets: { '0': '10' } },
      followers: [
        { id: 'follower-1', role: 'sync', healthy: true, delayMs: 0, lag: { events: 0 }, committed: { '0': '10' } },
        { id: 'backup', role: 'delayed', healthy: true, delayMs: 3_600_000, lag: { events: 7 }, committed: { '0': '3' } },
      ],
      counters: { acks: {}, syncTimeouts: 0, promotions: 0, degradedAcks: 0, failedAcks: 0, wait: { averageMs: 0, p99Ms: 0 } },
    } as StatusDocument;
    const lines = renderStatus(doc).split('\n');
    expect(lines.find((l) => l.startsWith('backup'))).toMatch(/^backup\s+delayed 1h00m\s+healthy\s+-\s+7\b/);
    expect(lines.find((l) => l.startsWith('follower-1'))).toMatch(/^follower-1\s+sync\s+healthy/);
  });
});
