import type { ApplyDelay } from '../core/apply-delay';
import { applyBatch } from '../core/follower-apply';
import { ConfigError } from '../core/errors';
import { withLambdaMetrics } from './lambda-metrics';
import type { Config } from '../config/config';
import type { ApplyProgressRecorder } from '../core/apply-progress-recorder';
import type { AppliedBasis, AppliedRecordWriter } from '../core/applied-record';
import type { FenceMemory } from '../core/fence-memory';
import type { Instrumentation } from '../core/instrumentation';
import type { DeadLetterSink, FollowerStore, Log } from '../core/ports';
import type { SyncRoster } from '../core/sync-roster';
import { defaultRuntime } from './runtime';
import { recordsByPartition } from './kafka-event';
import type { LogRecord } from '../core/log-record';
import { contextFrom, endSpan, SpanKind, startSpan } from '../observability/tracing';

export interface FollowerBatchSummary {
  followerId: string;
  records: number;
  applied: number;
  skipped: number;
  deadLettered: number;
  /** Of those, records of a deposed leader (reason `fenced`). */
  fenced: number;
  /** The largest batch apply lag in this invocation (appliedAt − commit time of the oldest event), when events were applied. */
  applyLagMs?: number;
}

/**
 * The follower function: one invocation per delivered batch. Throwing makes the event source
 * mapping (or the local runner) redeliver the whole batch without committing, which is safe
 * because applying is idempotent.
 */
/** What applying a follower's batches needs: its table, the dead-letter topic, progress, its delay and where it reports. */
export interface FollowerHandlerDeps {
  config: Pick<Config, 'followers' | 'delayMaxWaitMs'>;
  roster: Pick<SyncRoster, 'current'>;
  followerTable: (id: string) => FollowerStore;
  /** What this replica knows of each partition's fences (core/fence-memory.ts). */
  fenceMemory: (id: string) => Pick<FenceMemory, 'known' | 'remember'>;
  deadLetters: DeadLetterSink;
  progressRecorder: Pick<ApplyProgressRecorder, 'record'>;
  /** Present with REPLOG_CONFIRM_FROM=applied-record: each batch's applied record, written before the invocation returns. */
  appliedWriter?: Pick<AppliedRecordWriter, 'basis' | 'claim'> | undefined;
  instrumentation: Pick<Instrumentation, 'emit'>;
  log: (namespace: string) => Log;
}

export function createFollowerHandler(
  rt: () => FollowerHandlerDeps,
  followerId: () => string | undefined,
  onBatch?: (summary: FollowerBatchSummary) => void,
) {
  return async (event: unknown): Promise<FollowerBatchSummary> => {
    const runtime = rt();
    const id = followerId();
    if (id === undefined) throw new ConfigError('REPLOG_FOLLOWER_ID is not set for this follower function');
    const log = runtime.log(`follower:${id}`);
    const partitions = recordsByPartition(event);
    const summary: FollowerBatchSummary = { followerId: id, records: 0, applied: 0, skipped: 0, deadLettered: 0, fenced: 0 };
    const delay = await applyDelayOf(runtime, id);
    // The terms and their fences as the control state recorded them (cached briefly), and the terms this replica led.
    const fences = { memory: runtime.fenceMemory(id), terms: (await runtime.roster.current()).terms };
    const results = await Promise.all(
      partitions.map(async (records) => {
        const first = records[0];
        const last = records[records.length - 1];
        // Read before the apply: a claim is only as good as what the writer knew when it applied (core/applied-record.ts).
        const basis = first ? await appliedBasis(runtime, id, first.partition, log) : undefined;
        return tracedApply(id, records, () =>
          applyBatch(
            { followerId: id, store: runtime.followerTable(id), deadLetters: runtime.deadLetters, log, now: Date.now, fences, ...(delay ? { delay } : {}) },
            records,
          ),
        ).then(async (result) => {
          if (basis && first && last) await claimApplied(runtime, id, first.partition, basis, BigInt(last.offset) + 1n, log);
          const lagMs =
            result.applied > 0 && result.oldestCommittedAt !== undefined ? Math.max(0, result.appliedAt - result.oldestCommittedAt) : undefined;
          // Folded into the partition's progress item, persisted at most once per flush interval
          // (ApplyProgressRecorder); a committed offset may run that far ahead of the record.
          if (first && last) {
            await runtime.progressRecorder.record(id, {
              partition: first.partition,
              committedThrough: (BigInt(last.offset) + 1n).toString(),
              finishedAt: result.appliedAt,
              ...(lagMs === undefined ? {} : { lagMs }),
              ...(result.fenced > 0 ? { fenced: result.fenced } : {}),
            });
          }
          return { result, first, last, lagMs };
        });
      }),
    );
    for (const { result, first, last, lagMs } of results) {
      if (lagMs !== undefined) summary.applyLagMs = Math.max(summary.applyLagMs ?? 0, lagMs);
      summary.records += result.records;
      summary.applied += result.applied;
      summary.skipped += result.skipped;
      summary.deadLettered += result.deadLettered;
      summary.fenced += result.fenced;
      log.debug('batch applied', {
        topic: first?.topic,
        partition: first?.partition,
        offset: first?.offset,
        lastOffset: last?.offset,
        ...result,
      });
    }
    runtime.instrumentation.emit({ type: 'follower.batch-applied', batch: summary });
    onBatch?.(summary);
    return summary;
  };
}

/**
 * The follower's apply as a span in each write's own trace: one consumer span per record whose
 * headers carry a trace context (its parent is the leader's produce span, in another process),
 * lasting the apply of the batch it came in. Records without one (tracing off at the leader)
 * cost nothing here.
 */
async function tracedApply<T extends { applied: number; skipped: number; deadLettered: number }>(
  followerId: string,
  records: readonly LogRecord[],
  apply: () => Promise<T>,
): Promise<T> {
  const spans = records
    .filter((r) => r.headers?.traceparent !== undefined)
    .map((r) =>
      startSpan(`process ${r.topic}`, {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(r.headers ?? {}),
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': r.topic,
          'messaging.destination.partition.id': String(r.partition),
          'messaging.kafka.offset': Number(r.offset),
          'messaging.kafka.message.key': r.key ?? '',
          'messaging.batch.message_count': records.length,
          'replog.follower': followerId,
        },
      }),
    );
  try {
    const result = await apply();
    for (const span of spans) {
      span.setAttributes({ 'replog.batch.applied': result.applied, 'replog.batch.skipped': result.skipped, 'replog.batch.dead_lettered': result.deadLettered });
      endSpan(span);
    }
    return result;
  } catch (error) {
    for (const span of spans) endSpan(span, error);
    throw error;
  }
}

/**
 * A failed read or write of the applied record confirms nothing through it, and fails nothing:
 * the batch is in the table and the group's committed offset still confirms it.
 */
async function appliedBasis(runtime: FollowerHandlerDeps, id: string, partition: number, log: Log): Promise<AppliedBasis | undefined> {
  if (!runtime.appliedWriter) return undefined;
  try {
    return await runtime.appliedWriter.basis(id, partition);
  } catch (error) {
    log.warn('applied record not read; this batch confirms through the committed offset only', { partition, error });
    return undefined;
  }
}

async function claimApplied(runtime: FollowerHandlerDeps, id: string, partition: number, basis: AppliedBasis, through: bigint, log: Log): Promise<void> {
  try {
    await runtime.appliedWriter?.claim(id, partition, basis, through);
  } catch (error) {
    log.warn('applied record not written; this batch confirms through the committed offset only', { partition, through: through.toString(), error });
  }
}

export const handler = createFollowerHandler(withLambdaMetrics(defaultRuntime), () => defaultRuntime().config.followerId);

/**
 * A delayed follower's delay: from REPLOG_FOLLOWERS when it is listed there (as every deployed
 * follower is, so a follower function needs no control-state read), otherwise from the control
 * state, where `replog follower add --delay` put it. Undefined for an ordinary follower.
 */
async function applyDelayOf(runtime: FollowerHandlerDeps, id: string): Promise<ApplyDelay | undefined> {
  const configured = runtime.config.followers.find((f) => f.id === id);
  const delayMs = configured ? configured.delayMs : ((await runtime.roster.current()).followers.find((f) => f.id === id)?.delayMs ?? 0);
  if (delayMs <= 0) return undefined;
  return { delayMs, maxWaitMs: runtime.config.delayMaxWaitMs, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
}
