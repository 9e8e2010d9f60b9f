import { UnavailableError } from '../core/errors';
import type { Config } from '../config/config';
import { type OutboxRelayDeps, type OutboxRelayReport, relayOutbox } from '../core/outbox-relay';
import type { Log } from '../core/ports';
import type { SyncRoster } from '../core/sync-roster';
import { defaultRuntime } from './runtime';

/**
 * What a relay pass needs: who leads (only the leader's marks are republished; a deposed leader's
 * are not, they would land after its successor's fence), that replica's outbox index and ordered
 * publisher, its settings and a log.
 */
export interface RelayDeps {
  config: Pick<Config, 'relay' | 'topic'>;
  roster: Pick<SyncRoster, 'refresh'>;
  outboxIndexOf: (replica: string) => OutboxRelayDeps['marks'];
  orderedFor: (replica: string) => OutboxRelayDeps['publisher'];
  log: (namespace: string) => Log;
}

export interface RelayOverrides {
  graceMs?: number;
  maxMarks?: number;
  /** The replica whose marks to republish (a switchover drains the leader it is moving from); default: who leads. */
  replica?: string;
}

/** One relay pass with the runtime's adapters; shared by the Lambda, the local timer, `replog relay` and the switchover's drain. */
export async function runRelay(rt: RelayDeps, overrides: RelayOverrides = {}): Promise<OutboxRelayReport> {
  const replica = overrides.replica ?? (await rt.roster.refresh()).leadership.replica;
  return relayOutbox(
    { marks: rt.outboxIndexOf(replica), publisher: rt.orderedFor(replica), log: rt.log('relay'), now: Date.now },
    { graceMs: overrides.graceMs ?? rt.config.relay.graceMs, maxMarks: overrides.maxMarks ?? rt.config.relay.maxMarks },
  );
}

/**
 * The scheduled relay function (an EventBridge schedule in serverless.yml). A complete run returns
 * its report; a run that could not republish everything (the marks stay for the next run) fails
 * the invocation after logging the report, so the Lambda Errors metric, and the relay alarm in
 * infra/alarms.yml, show that committed changes are not reaching followers.
 */
export function createRelayHandler(rt: () => RelayDeps) {
  return async (): Promise<OutboxRelayReport> => {
    const runtime = rt();
    const report = await runRelay(runtime);
    const log = runtime.log('relay');
    if (report.failed > 0) {
      log.warn('outbox relay run incomplete', { topic: runtime.config.topic, ...report });
      throw new UnavailableError(
        `the outbox relay republished ${report.republished} of ${report.found} stale marks; ${report.failed + report.deferred} stay for the next run: ${report.errors[0] ?? 'unknown error'}`,
        { details: { ...report } },
      );
    }
    if (report.found > 0) log.info('outbox relay run', { topic: runtime.config.topic, ...report });
    return report;
  };
}

export const handler = createRelayHandler(defaultRuntime);
