import type { Command } from 'commander';
import type { OutboxRelayReport } from '../../core/outbox-relay';
import { runRelay } from '../../functions/relay';
import { openCommandRuntime } from '../command-runtime';
import { nonNegativeIntOption, positiveIntOption } from '../cli-options';

export function renderRelayReport(r: OutboxRelayReport, graceMs: number): string {
  return [
    `outbox relay: ${r.found} stale mark(s) older than ${graceMs} ms${r.more ? ' (more remain; run again)' : ''}`,
    `  republished ${r.republished}  cleared ${r.cleared}  already clear ${r.alreadyClear}  fresh ${r.fresh}  busy ${r.busy}  failed ${r.failed}  deferred ${r.deferred}  (${r.durationMs} ms)`,
    ...r.errors.map((e) => `  error: ${e}`),
  ].join('\n');
}

export function registerRelay(program: Command): void {
  program
    .command('relay')
    .description('run the outbox relay once: republish leader writes whose outbox mark is older than the grace period')
    .option('--grace <ms>', 'only marks older than this (default: REPLOG_RELAY_GRACE_MS)', nonNegativeIntOption)
    .option('--max <n>', 'handle at most this many marks (default: REPLOG_RELAY_MAX_MARKS)', positiveIntOption)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { grace?: number; max?: number; json: boolean }) => {
      const { runtime, close } = await openCommandRuntime();
      try {
        const graceMs = opts.grace ?? runtime.config.relay.graceMs;
        const report = await runRelay(runtime, { graceMs, ...(opts.max === undefined ? {} : { maxMarks: opts.max }) });
        process.stdout.write(`${opts.json ? JSON.stringify(report) : renderRelayReport(report, graceMs)}\n`);
        if (report.failed > 0) process.exitCode = 1;
      } finally {
        await close();
      }
    });
}
