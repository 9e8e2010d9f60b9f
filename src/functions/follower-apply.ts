import { applyBatch } from '../core/follower-apply';
import { ConfigError } from '../core/errors';
import { defaultRuntime, type Runtime } from './runtime';
import { recordsByPartition } from './kafka-event';

export interface FollowerBatchSummary {
  followerId: string;
  records: number;
  applied: number;
  skipped: number;
  deadLettered: number;
}

/**
 * The follower function: one invocation per delivered batch. Throwing makes the event source
 * mapping (or the local runner) redeliver the whole batch without committing, which is safe
 * because applying is idempotent.
 */
export function createFollowerHandler(rt: () => Runtime, followerId: () => string | undefined) {
  return async (event: unknown): Promise<FollowerBatchSummary> => {
    const runtime = rt();
    const id = followerId();
    if (id === undefined) throw new ConfigError('REPLOG_FOLLOWER_ID is not set for this follower function');
    const log = runtime.log(`follower:${id}`);
    const partitions = recordsByPartition(event);
    const summary: FollowerBatchSummary = { followerId: id, records: 0, applied: 0, skipped: 0, deadLettered: 0 };
    const results = await Promise.all(
      partitions.map((records) =>
        applyBatch(
          { followerId: id, store: runtime.followerTable(id), deadLetters: runtime.deadLetters, log, now: Date.now },
          records,
        ).then((result) => ({ result, first: records[0], last: records[records.length - 1] })),
      ),
    );
    for (const { result, first, last } of results) {
      summary.records += result.records;
      summary.applied += result.applied;
      summary.skipped += result.skipped;
      summary.deadLettered += result.deadLettered;
      log.debug('batch applied', {
        topic: first?.topic,
        partition: first?.partition,
        offset: first?.offset,
        lastOffset: last?.offset,
        ...result,
      });
    }
    return summary;
  };
}

export const handler = createFollowerHandler(defaultRuntime, () => defaultRuntime().config.followerId);
