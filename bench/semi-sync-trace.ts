/**
 * Where a semi-sync write's wait goes, from replog's own traces: one client writes semi-sync with
 * tracing on in the leader (this process) and in the follower process, every span goes to an
 * OTLP/HTTP receiver here, and each write's trace is cut at the points both processes record on
 * one machine clock:
 *
 *   produce acknowledged (end of `send`) → the sync follower starts applying (start of its
 *   `process` span: fetched, decoded, handed to the handler) → applied (its end) → the leader's
 *   wait ends (end of `replog.ack.wait`: the offset committed and the leader's poll seeing it).
 *
 *   npx tsx bench/semi-sync-trace.ts [--seconds 20] [--ack semi-sync]
 */
import { loadConfig } from '../src/config/config';
import { type OtlpSpan, startOtlpReceiver } from '../test/support/otlp-receiver';
import { runScript, startBenchStack } from './bench-stack';
import { LatencyHistogram } from './latency-histogram';
import { closedLoop } from './load-patterns';
import { settle } from './settle';
import { benchValue, randomKey } from './workload';
import { WriteClient } from './write-client';

interface ReceivedSpan {
  traceId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  follower: string | undefined;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** The cut points of a span: when, in epoch ms (a double keeps well under a microsecond of it), and for which follower. */
function timed(s: OtlpSpan): ReceivedSpan {
  const follower = s.attributes.find((a) => a.key === 'replog.follower')?.value.stringValue;
  return {
    traceId: s.traceId,
    name: s.name,
    kind: s.kind,
    startMs: Number(BigInt(s.startTimeUnixNano)) / 1e6,
    endMs: Number(BigInt(s.endTimeUnixNano)) / 1e6,
    follower: typeof follower === 'string' ? follower : undefined,
  };
}

async function measure(kafkaBrokers: string): Promise<void> {
  const seconds = Number(arg('seconds', '20'));
  const ack = arg('ack', 'semi-sync');
  const receiver = await startOtlpReceiver();
  const bench = await startBenchStack({
    label: 'trace',
    store: 'process',
    kafkaBrokers,
    tracing: true,
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, REPLOG_TRACE_SAMPLE_RATIO: '1' },
  });
  const sync = loadConfig(bench.env).syncFollower;
  let result: Awaited<ReturnType<typeof closedLoop>>;
  try {
    await settle(bench.stack.runtime);
    result = await closedLoop({
      client: new WriteClient(bench.url, 1, bench.env.REPLOG_API_KEY),
      ack,
      concurrency: 1,
      warmupMs: 1000,
      measureMs: seconds * 1000,
      keyOf: () => randomKey('t-', 100_000),
      valueOf: benchValue,
    });
    await settle(bench.stack.runtime);
  } finally {
    // Stopping flushes every process's spans to the receiver.
    await bench.stop();
  }
  await new Promise((resolve) => receiver.server.close(resolve));

  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const s of receiver.spans.map(timed)) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const cuts = {
    'write (server span)': new LatencyHistogram(),
    'commit': new LatencyHistogram(),
    'publish (send)': new LatencyHistogram(),
    'produce ack -> sync follower applies': new LatencyHistogram(),
    'sync follower apply': new LatencyHistogram(),
    'applied -> wait ends (offset commit + detection)': new LatencyHistogram(),
    'produce ack -> first follower applies': new LatencyHistogram(),
    'produce ack -> last follower applied': new LatencyHistogram(),
  };
  const add = (cut: keyof typeof cuts, ms: number) => cuts[cut].recordMs(ms);
  let complete = 0;
  // The broker may hand the record to a follower's waiting fetch before the producer has read its acknowledgement.
  let appliedBeforeAck = 0;
  for (const spans of byTrace.values()) {
    const server = spans.find((s) => s.kind === 2);
    const commit = spans.find((s) => s.name === 'replog.commit');
    const send = spans.find((s) => s.name.startsWith('send '));
    const wait = spans.find((s) => s.name === 'replog.ack.wait');
    const processed = spans.filter((s) => s.name.startsWith('process '));
    const syncApply = processed.find((s) => s.follower === sync);
    if (!server || !commit || !send || !wait || !syncApply) continue;
    complete++;
    add('write (server span)', server.endMs - server.startMs);
    add('commit', commit.endMs - commit.startMs);
    add('publish (send)', send.endMs - send.startMs);
    add('produce ack -> sync follower applies', syncApply.startMs - send.endMs);
    if (syncApply.startMs < send.endMs) appliedBeforeAck++;
    add('sync follower apply', syncApply.endMs - syncApply.startMs);
    add('applied -> wait ends (offset commit + detection)', wait.endMs - syncApply.endMs);
    add('produce ack -> first follower applies', Math.min(...processed.map((s) => s.startMs)) - send.endMs);
    add('produce ack -> last follower applied', Math.max(...processed.map((s) => s.endMs)) - send.endMs);
  }
  const client = result.histogram.summary();
  console.log(`${ack}, 1 client, ${seconds} s: ${result.completed} acknowledged, client p50 ${client.p50Ms} ms p99 ${client.p99Ms} ms; ${complete} whole traces (sync follower ${sync}; in ${appliedBeforeAck} it began applying before the produce acknowledgement, counted as 0)\n`);
  console.log('| cut | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|');
  for (const [name, h] of Object.entries(cuts)) {
    const s = h.summary();
    console.log(`| ${name} | ${s.p50Ms} | ${s.p95Ms} | ${s.p99Ms} |`);
  }
}

runScript(measure);
