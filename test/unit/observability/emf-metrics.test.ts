import { UnavailableError, ValidationError } from '../../../src/core/errors';
import { ReplicationTimeoutError, UnpublishedWriteError } from '../../../src/core/write-failures';
import { EmfMetrics } from '../../../src/observability/emf-metrics';
import { changeEvent } from '../../support/event-fixtures';

function captureStdout(run: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('EMF metrics', () => {
  const emf = new EmfMetrics('replog-test');

  it('given an acknowledged write, emits one EMF line with the ack wait under its mode', () => {
    const [line, ...rest] = captureStdout(() =>
      emf.writeAcknowledged({
        key: 'k',
        version: 2,
        term: 1,
        leader: 'main',
        position: { partition: 0, offset: '9' },
        writeId: 'w-1',
        replayed: false,
        ack: { mode: 'semi-sync', confirmedBy: ['f1'], waitedMs: 14, degraded: false },
      }),
    );
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ AckMode: 'semi-sync', service: 'replog', Acks: 1, AckWaitMs: 14, AcksDegraded: 0, Promotions: 0 });
    const aws = line?._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
    expect(aws.CloudWatchMetrics[0]?.Namespace).toBe('replog-test');
    expect(aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(expect.arrayContaining(['AckMode', 'service']));
    expect(aws.CloudWatchMetrics[0]?.Metrics).toContainEqual({ Name: 'AckWaitMs', Unit: 'Milliseconds' });
  });

  it('given a follower batch, emits its apply lag under the follower id', () => {
    const [line] = captureStdout(() => emf.batchApplied({ followerId: 'follower-2', records: 5, applied: 4, deadLettered: 0, applyLagMs: 37 }));
    expect(line).toMatchObject({ FollowerId: 'follower-2', RecordsApplied: 4, ApplyLagMs: 37 });
  });

  it('given a replication timeout, counts it under the requested mode; a publish failure once; other errors emit nothing', () => {
    const event = changeEvent({ key: 'k', version: 3 });
    const lines = captureStdout(() => {
      emf.writeFailed(new ReplicationTimeoutError('sync', event, { partition: 0, offset: '4' }, [], 1500));
      emf.writeFailed(new UnpublishedWriteError(event, new UnavailableError('broker down')));
      emf.writeFailed(new ValidationError('BAD_KEY', 'bad key'));
      emf.writeFailed(new UnavailableError('store down'));
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ AckMode: 'sync', AckTimeouts: 1 });
    expect(lines[1]).toMatchObject({ PublishFailures: 1 });
  });
});
