import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from '../../src/observability/tracing-sdk';
import { eventually } from '../support/eventually';
import { startOtlpReceiver } from '../support/otlp-receiver';
import { ReplicationCluster } from '../support/replication-cluster';

/** A sample of the exposition format: `name{labels} value`. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/**
 * Prometheus and OpenTelemetry across real processes: the leader (HTTP API) in this process, each
 * follower a `replog follower` process of its own on the shared broker. The leader's spans go to an
 * in-memory exporter, the followers' through OTLP/HTTP to a receiver in this test.
 */
describe('metrics and traces across the leader and follower processes', () => {
  let cluster: ReplicationCluster;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing | undefined;
  const leaderSpans = new InMemorySpanExporter();

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = startTracing({ otlpEndpoint: undefined, serviceName: 'replog-test-leader', sampleRatio: 1 }, { role: 'test leader', exporter: leaderSpans });
    cluster = await ReplicationCluster.start('obs', { REPLOG_ACK_MODE: 'semi-sync', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'replog-test-follower' }, [
      'follower-1',
      'follower-2',
    ]);
  });
  afterAll(async () => {
    await cluster?.stop();
    await tracing?.shutdown();
    await new Promise((r) => receiver?.server.close(r));
  });

  it('given writes, /metrics on the leader shows the counters status shows, and each follower process its own applied records', async () => {
    for (let i = 0; i < 6; i++) expect((await cluster.api('PUT', `/items/m${i}`, { i })).status).toBe(200);
    const status = (await cluster.api('GET', '/replication/status')).body as { counters: { acks: Record<string, number>; wait: { count: number } } };
    const res = await fetch(`${cluster.t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const leader = await res.text();
    expect(sample(leader, 'replog_acks_total', '{mode="semi-sync"}')).toBe(status.counters.acks['semi-sync']);
    expect(status.counters.acks['semi-sync']).toBe(6);
    expect(sample(leader, 'replog_ack_wait_seconds_count', '{mode="semi-sync"}')).toBe(status.counters.wait.count);
    // The replication view, read at scrape time: both followers, lag per partition, health.
    expect(sample(leader, 'replog_replica_healthy', '{follower="follower-1"}')).toBe(1);
    expect(leader).toMatch(/^replog_replica_lag_events\{follower="follower-2"\} \d+$/m);
    expect(leader).toMatch(/^replog_replica_partition_lag_events\{follower="follower-1",partition="0"\} \d+$/m);

    for (const id of ['follower-1', 'follower-2']) {
      const url = /metrics on (http:\/\/\S+\/metrics)/.exec(cluster.followers.get(id)?.output() ?? '')?.[1];
      expect(url).toBeDefined();
      const applied = await eventually(
        async () => {
          const text = await (await fetch(url as string)).text();
          const n = sample(text, 'replog_records_applied_total', `{follower="${id}"}`) ?? 0;
          return n >= 6 ? text : undefined;
        },
        { what: `${id}'s metrics to count the 6 writes` },
      );
      expect(sample(applied, 'replog_records_dead_lettered_total', `{follower="${id}"}`)).toBe(0);
      expect(sample(applied, 'replog_apply_lag_seconds_count', `{follower="${id}"}`)).toBeGreaterThan(0);
      // The process's own figures, by their conventional names.
      expect(applied).toMatch(/^process_resident_memory_bytes \d+/m);
    }
  });

  it('given one semi-sync write, its spans form one trace from the HTTP request through commit, produce and confirmation to each follower process applying it', async () => {
    leaderSpans.reset();
    const res = await cluster.api('PUT', '/items/traced', { n: 1 });
    expect(res.status).toBe(200);
    const byName = (name: string, spans: ReadableSpan[]) => spans.find((s) => s.name === name);
    const leader = await eventually(
      () => {
        const spans = leaderSpans.getFinishedSpans();
        const http = spans.find((s) => s.name === 'PUT /items/{key}' && s.attributes['url.path'] === '/items/traced');
        return http && byName('replog.ack.wait', spans) ? { http, spans } : undefined;
      },
      { what: 'the leader spans of the write' },
    );
    const traceId = leader.http.spanContext().traceId;
    const inTrace = leader.spans.filter((s) => s.spanContext().traceId === traceId);
    const commit = byName('replog.commit', inTrace);
    const produce = byName(`send ${cluster.runtime.config.topic}`, inTrace);
    const ack = byName('replog.ack.wait', inTrace);
    for (const child of [commit, produce, ack]) expect(child?.parentSpanContext?.spanId).toBe(leader.http.spanContext().spanId);
    expect(leader.http.attributes['http.response.status_code']).toBe(200);
    expect(commit?.attributes['replog.version']).toBe(1);
    expect(ack?.attributes['replog.ack.confirmed_by']).toEqual(['follower-1']);

    // Each follower process applied the record under the produce span it found in the record's headers.
    const applies = await eventually(
      () => {
        const found = receiver.spans.filter((s) => s.traceId === traceId && s.name === `process ${cluster.runtime.config.topic}`);
        return found.length >= 2 ? found : undefined;
      },
      { what: 'both followers to export their apply span of the write', timeoutMs: 30_000 },
    );
    const followers = applies.map((s) => String(s.attributes.find((a) => a.key === 'replog.follower')?.value.stringValue)).sort();
    expect(followers).toEqual(['follower-1', 'follower-2']);
    for (const span of applies) {
      expect(span.parentSpanId).toBe(produce?.spanContext().spanId);
      expect(span.pid).not.toBe(process.pid);
    }
    expect(new Set(applies.map((s) => s.pid)).size).toBe(2);
  });
});
