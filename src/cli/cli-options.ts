import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../config/duration';
import { parseReplayFrom, type ReplayFrom } from '../core/replay-plan';

/** commander argument parsers: CLI input is validated like any other external input. */
export function portOption(raw: string): number {
  const n = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
}

export function followerIdOption(raw: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(raw)) throw new InvalidArgumentError('a follower id: a-z, 0-9 and -');
  return raw;
}

export function positiveIntOption(raw: string): number {
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new InvalidArgumentError('a positive whole number');
  return Number(raw);
}

export function nonNegativeIntOption(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw new InvalidArgumentError('a whole number (0 or more)');
  return Number(raw);
}

export const BENCH_SECTIONS = ['floor', 'latency', 'lag', 'outbox', 'catchup', 'failover', 'cluster'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export function benchSectionsOption(raw: string): BenchSection[] {
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = parts.filter((p) => !(BENCH_SECTIONS as readonly string[]).includes(p));
  if (parts.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`a comma-separated list of: ${BENCH_SECTIONS.join(', ')}`);
  return [...new Set(parts)] as BenchSection[];
}

/** Where the benchmark's store runs: `process` (its own), `in-process`, or the URL of a running one. */
export function storePlacementOption(raw: string): 'process' | 'in-process' | { endpoint: string } {
  if (raw === 'process' || raw === 'in-process') return raw;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return { endpoint: url.toString().replace(/\/$/, '') };
  } catch {
    // Falls through to the explanation below.
  }
  throw new InvalidArgumentError('process, in-process, or the http(s) URL of a DynamoDB endpoint');
}

/** host:port[,host:port…] */
export function brokerListOption(raw: string): string {
  const brokers = raw.split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0 || brokers.some((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b))) {
    throw new InvalidArgumentError('a comma-separated list of host:port');
  }
  return brokers.join(',');
}

/** `earliest`, an offset, or an ISO 8601 time with its zone (core/replay-plan.ts). */
export function replayFromOption(raw: string): ReplayFrom {
  try {
    return parseReplayFrom(raw);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

/** A duration such as 500ms, 30s, 5m or 1h, in milliseconds. */
export function durationOption(raw: string): number {
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw new InvalidArgumentError('a duration such as 500ms, 30s, 5m or 1h');
  return ms;
}

/** Brokers of a local Kafka: 1 to 9 (scripts/kafka/broker.sh's KAFKA_NODES). */
export function brokerCountOption(raw: string): number {
  if (!/^[1-9]$/.test(raw)) throw new InvalidArgumentError('a number of brokers from 1 to 9');
  return Number(raw);
}
