import { processLines } from '../../../src/cli/commands/dev';
import { renderStatus, type StatusDocument } from '../../../src/cli/commands/status';
import { loadConfig } from '../../../src/config/config';

describe('replog dev runs the followers and the relay in a follower process of their own', () => {
  it('given no setting, runs them in a follower process; REPLOG_LOCAL_PROCESSES=single keeps them in the leader; anything else is refused', () => {
    expect(loadConfig({}).localProcesses).toBe('separate');
    expect(loadConfig({ REPLOG_LOCAL_PROCESSES: 'single' }).localProcesses).toBe('single');
    expect(loadConfig({ REPLOG_LOCAL_PROCESSES: '' }).localProcesses).toBe('separate');
    expect(() => loadConfig({ REPLOG_LOCAL_PROCESSES: 'threads' })).toThrow(/REPLOG_LOCAL_PROCESSES.*must be separate or single/);
  });

  it('given the follower process, the startup lines name its pid beside the leader and where its metrics are', () => {
    const lines = processLines([
      { id: 'followers', endpoint: 'http://127.0.0.1:4100', pid: 42, state: 'running', restarts: 0, lastExit: undefined, nextRestartAt: undefined },
    ]);
    expect(lines).toEqual([`    followers  pid 42 (leader: pid ${process.pid})  metrics http://127.0.0.1:4100/metrics`]);
  });

  it('given a follower process that died and waits for its restart, replog status says how it ended and when it comes back', () => {
    const doc = {
      control: { revision: 1, syncFollower: 'follower-1', promotions: 0 },
      topic: { name: 'replog.changes', endOffsets: { '0': '1' } },
      followers: [],
      localProcesses: [{ id: 'followers', endpoint: 'http://127.0.0.1:4100', state: 'down', restarts: 1, lastExit: 'SIGKILL', nextRestartAt: Date.UTC(2024, 4, 1, 12) }],
      counters: { acks: {}, syncTimeouts: 0, promotions: 0, degradedAcks: 0, failedAcks: 0, wait: { averageMs: 0, p99Ms: 0 } },
    } as unknown as StatusDocument;
    const lines = renderStatus(doc).split('\n');
    expect(lines).toContain('follower process (every follower consumer and the outbox relay; endpoint: its metrics)');
    expect(lines).toContain('  followers  http://127.0.0.1:4100  pid -  down, 1 restart, last exit SIGKILL, restarting at 2024-05-01T12:00:00.000Z');
    expect(lines).not.toContain('stores (separate processes)');
  });
});
