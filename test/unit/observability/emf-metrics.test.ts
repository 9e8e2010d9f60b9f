import { Instrumentation } from '../../../src/core/instrumentation';
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
  const stream = new Instrumentation();
  new EmfMetrics('replog-test').listen(stream);

  it('given an acknowledgement, emits one EMF line with the ack wait under its mode', () => {
    const [line, ...rest] = captureStdout(() => stream.emit({ type: 'ack.given', mode: 'semi-sync', waitedMs: 14, degraded: false }));
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ AckMode: 'semi-sync', service: 'replog', Acks: 1, AckWaitMs: 14, AcksDegraded: 0 });
    const aws = line?._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
    expect(aws.CloudWatchMetrics[0]?.Namespace).toBe('replog-test');
    expect(aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(expect.arrayContaining(['AckMode', 'service']));
    expect(aws.CloudWatchMetrics[0]?.Metrics).toContainEqual({ Name: 'AckWaitMs', Unit: 'Milliseconds' });
  });

  it('given a follower batch, emits its apply lag under the follower id', () => {
    const [line] = captureStdout(() =>
      stream.emit({ type: 'follower.batch-applied', batch: { followerId: 'follower-2', records: 5, applied: 4, deadLettered: 0, applyLagMs: 37 } }),
    );
    expect(line).toMatchObject({ FollowerId: 'follower-2', RecordsApplied: 4, RecordsDeadLettered: 0, ApplyLagMs: 37 });
  });

  it('given a sync timeout and a refused acknowledgement, counts each under the mode; a publish failure once; other errors emit nothing', () => {
    const event = changeEvent({ key: 'k', version: 3 });
    const lines = captureStdout(() => {
      stream.emit({ type: 'ack.sync-timeout', mode: 'sync' });
      stream.emit({ type: 'ack.failed', mode: 'sync', waitedMs: 1500 });
      stream.emit({ type: 'write.failed', error: new ReplicationTimeoutError('sync', event, { partition: 0, offset: '4' }, [], 1500) });
      stream.emit({ type: 'write.failed', error: new UnpublishedWriteError(event, new UnavailableError('broker down')) });
      stream.emit({ type: 'write.failed', error: new ValidationError('BAD_KEY', 'bad key') });
      stream.emit({ type: 'write.failed', error: new UnavailableError('store down') });
    });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ AckMode: 'sync', AckTimeouts: 1 });
    expect(lines[1]).toMatchObject({ AckMode: 'sync', AcksFailed: 1, AckWaitMs: 1500 });
    expect(lines[2]).toMatchObject({ PublishFailures: 1 });
  });

  it('leaves out figures that have no CloudWatch dimension for a label (per-partition lag)', () => {
    const lines = captureStdout(() => stream.emit({ type: 'publish.order-wait', waitedMs: 3, outcome: 'recorded' }));
    expect(lines).toEqual([]);
  });
});
