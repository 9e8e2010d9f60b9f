import { isRetriable } from './errors';
import type { OrderedPublisher } from './ordered-publisher';
import type { Log, MarkScanner, OutboxMark } from './ports';

/**
 * The outbox relay: the safety net for "committed on the leader, never reached the log" (a leader
 * killed between the DynamoDB commit and the Kafka produce, or a produce that failed). It finds
 * marks older than a grace period and republishes the item's *current* state (events carry full
 * state, so the current state is always a correct event, and a tombstone republishes a delete)
 * under a publish lease of its own, so the key's order in the log holds (core/publish-order.ts);
 * the record of that publish clears the mark if the item still holds the version it published.
 */
export interface OutboxRelayDeps {
  marks: MarkScanner;
  publisher: Pick<OrderedPublisher, 'republishCurrent'>;
  log: Log;
  now: () => number;
}

export interface OutboxRelayOptions {
  /** Marks younger than this belong to writes whose leader is still publishing them. */
  graceMs: number;
  /** Upper bound of marks handled per run, so one run (one Lambda invocation) stays bounded. */
  maxMarks: number;
  concurrency?: number;
}

export interface OutboxRelayReport {
  /** Marks older than the cut-off that the index returned. */
  found: number;
  /** Events this run put into the log. */
  republished: number;
  /** Marks removed after their version was published. */
  cleared: number;
  /** Published, but a newer write took the mark meanwhile: that write's own leader publishes it after ours. */
  superseded: number;
  /** The mark was already gone when the item was read (its leader finished meanwhile). */
  alreadyClear: number;
  /** A newer write re-marked the item within the grace period; its own leader is publishing it. */
  fresh: number;
  /** The item kept changing under the relay; the mark stays for the next run. */
  busy: number;
  /** Read or publish failed; the mark stays for the next run. */
  failed: number;
  /** Not attempted because the log was unavailable earlier in this run. */
  deferred: number;
  /** The index may hold more stale marks than this run handled. */
  more: boolean;
  cutoff: number;
  durationMs: number;
  errors: string[];
}

const MAX_REPORTED_ERRORS = 5;

type Outcome = 'cleared' | 'superseded' | 'alreadyClear' | 'fresh' | 'busy';

export async function relayOutbox(deps: OutboxRelayDeps, options: OutboxRelayOptions): Promise<OutboxRelayReport> {
  const started = deps.now();
  const cutoff = started - options.graceMs;
  const report: OutboxRelayReport = {
    found: 0,
    republished: 0,
    cleared: 0,
    superseded: 0,
    alreadyClear: 0,
    fresh: 0,
    busy: 0,
    failed: 0,
    deferred: 0,
    more: false,
    cutoff,
    durationMs: 0,
    errors: [],
  };
  const marks = await deps.marks.marksOlderThan(cutoff, options.maxMarks);
  report.found = marks.length;
  report.more = marks.length >= options.maxMarks;

  let logUnavailable = false;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < marks.length) {
      const mark = marks[next++] as OutboxMark;
      if (logUnavailable) {
        report.deferred += 1;
        continue;
      }
      try {
        const outcome = await relayOne(deps, mark, cutoff, () => {
          report.republished += 1;
        });
        report[outcome] += 1;
      } catch (error) {
        report.failed += 1;
        // A retriable failure means the log (or the store) is down: the rest would each wait out
        // the publish deadline. One that no retry can fix belongs to this mark; the rest go on.
        if (isRetriable(error)) logUnavailable = true;
        if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(error instanceof Error ? error.message : String(error));
        deps.log.warn('outbox relay could not republish; the mark stays for the next run', { key: mark.key, outboxAt: mark.outboxAt, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, marks.length)) }, worker));
  report.durationMs = deps.now() - started;
  return report;
}

async function relayOne(deps: OutboxRelayDeps, mark: OutboxMark, cutoff: number, onPublished: () => void): Promise<Outcome> {
  const outcome = await deps.publisher.republishCurrent(mark.key, { staleBefore: cutoff, onlyIfLeased: true });
  switch (outcome.kind) {
    case 'absent':
    case 'not-leased':
      return 'alreadyClear';
    case 'fresh':
      return 'fresh';
    case 'busy':
      return 'busy';
    case 'republished':
      onPublished();
      deps.log.info('outbox relay republished an unpublished write', {
        key: mark.key,
        version: outcome.version,
        partition: outcome.position.partition,
        offset: outcome.position.offset,
        markedAgoMs: deps.now() - mark.outboxAt,
      });
      return outcome.cleared ? 'cleared' : 'superseded';
  }
}
