import { type OutboxRelayReport, relayOutbox } from '../core/outbox-relay';
import { defaultRuntime, type Runtime } from './runtime';

export interface RelayOverrides {
  graceMs?: number;
  maxMarks?: number;
}

/** One relay pass with the runtime's adapters; shared by the Lambda, the local timer and `replog relay`. */
export function runRelay(rt: Runtime, overrides: RelayOverrides = {}): Promise<OutboxRelayReport> {
  return relayOutbox(
    { marks: rt.outboxIndex, leader: rt.leader, publisher: rt.publisher, log: rt.log('relay'), now: Date.now },
    { graceMs: overrides.graceMs ?? rt.config.relay.graceMs, maxMarks: overrides.maxMarks ?? rt.config.relay.maxMarks },
  );
}

/**
 * The scheduled relay function (an EventBridge schedule in serverless.yml). It returns the report
 * so the invocation result shows what it did; a failed produce leaves marks for the next run and
 * is reported, not thrown, because retrying the invocation at once would meet the same broker.
 */
export function createRelayHandler(rt: () => Runtime) {
  return async (): Promise<OutboxRelayReport> => {
    const runtime = rt();
    const report = await runRelay(runtime);
    const log = runtime.log('relay');
    if (report.failed > 0) log.warn('outbox relay run incomplete', { topic: runtime.config.topic, ...report });
    else if (report.found > 0) log.info('outbox relay run', { topic: runtime.config.topic, ...report });
    return report;
  };
}

export const handler = createRelayHandler(defaultRuntime);
