import { Instrumentation } from '../../../src/core/instrumentation';
import { ReplicationCounters } from '../../../src/core/replication-counters';
import { UnpublishedWriteError } from '../../../src/core/write-failures';
import { EmfMetrics } from '../../../src/observability/emf-metrics';
import { changeEvent } from '../../support/event-fixtures';

describe('instrumentation events', () => {
  it('feeds every subscriber from one stream: the counters and EMF see the same write', () => {
    const stream = new Instrumentation();
    const counters = new ReplicationCounters();
    counters.listen(stream);
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      new EmfMetrics('replog-test').listen(stream);
      stream.emit({ type: 'write.failed', error: new UnpublishedWriteError(changeEvent({ key: 'k', version: 2 }), new Error('broker down')) });
    } finally {
      spy.mockRestore();
    }
    expect(counters.snapshot().publishFailures).toBe(1);
    expect(lines.join('')).toContain('"PublishFailures"');
  });

  it('counts acknowledgements, timeouts, promotions and order waits as the acknowledger reports them', () => {
    const stream = new Instrumentation();
    const counters = new ReplicationCounters();
    const stop = counters.listen(stream);
    stream.emit({ type: 'ack.given', mode: 'semi-sync', waitedMs: 12, degraded: false });
    stream.emit({ type: 'ack.sync-timeout', mode: 'semi-sync' });
    stream.emit({ type: 'ack.promotion', to: 'f2' });
    stream.emit({ type: 'ack.given', mode: 'semi-sync', waitedMs: 150, degraded: true });
    stream.emit({ type: 'ack.failed', mode: 'sync', waitedMs: 150 });
    stream.emit({ type: 'publish.order-wait', waitedMs: 40, outcome: 'lease-ended' });
    expect(counters.snapshot()).toMatchObject({
      acks: { 'semi-sync': 2 },
      syncTimeouts: 1,
      promotions: 1,
      degradedAcks: 1,
      failedAcks: 1,
      orderWaits: { count: 1, leaseEnded: 1, maxMs: 40 },
      wait: { count: 3, maxMs: 150 },
    });
    stop();
    stream.emit({ type: 'ack.promotion', to: 'f3' });
    expect(counters.snapshot().promotions).toBe(1);
  });

  it('never lets a failing subscriber fail what it observes, and says so in the log', () => {
    const warnings: unknown[] = [];
    const stream = new Instrumentation({ debug() {}, info() {}, warn: (_m, extra) => warnings.push(extra), error() {} });
    const seen: string[] = [];
    stream.on('ack.promotion', () => {
      throw new Error('sink down');
    });
    stream.on('ack.promotion', (e) => seen.push(e.to));
    expect(() => stream.emit({ type: 'ack.promotion', to: 'f2' })).not.toThrow();
    expect(seen).toEqual(['f2']);
    expect(warnings).toEqual([expect.objectContaining({ event: 'ack.promotion', error: expect.any(Error) })]);
  });
});
