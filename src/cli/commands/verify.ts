import type { Command } from 'commander';
import type { Difference } from '../../core/replica-diff';
import { formatDuration } from '../../core/replay-progress';
import type { VerifyReport } from '../../core/verify';
import { verifyFollowerTable } from '../../functions/follower-maintenance';
import { durationOption, followerIdOption, positiveIntOption } from '../cli-options';
import { openCommandRuntime } from '../command-runtime';

interface VerifyCliOptions {
  follower: string;
  repair: boolean;
  settle?: number;
  show: number;
  json: boolean;
}

/** Exit codes: 0 the tables match, 1 they differ (after repair, if asked), 2 verification could not run. */
export const VERIFY_EXIT = { matched: 0, differences: 1, failed: 2 } as const;

const side = (v: Difference['leader']) => (v === undefined ? 'absent' : `v${v.version}${v.deleted ? ' (deleted)' : ''}`);

export function renderVerifyReport(r: VerifyReport, show: number): string {
  const c = r.counts;
  const lines = [
    `${r.followerId}: ${r.leaderItems} leader items, ${r.followerItems} follower items (tombstones included), compared in ${formatDuration(r.durationMs)}`,
    `  missing ${c.missing}  extra ${c.extra}  stale ${c.stale}  differing ${c.differing}`,
  ];
  for (const d of r.differences.slice(0, show)) {
    lines.push(`  ${d.kind.padEnd(9)} ${JSON.stringify(d.key)}  leader ${side(d.leader)}  follower ${side(d.follower)}`);
  }
  if (r.differences.length > show) lines.push(`  … and ${r.differences.length - show} more (--show, --json)`);
  if (r.pending.length > 0) {
    lines.push(
      `  pending ${r.pending.length}: leader versions ${r.followerId} has not been delivered yet (no live consumer; in the log at or after its committed offsets), applied when its consumer runs`,
    );
  }
  if (r.repairs.length > 0) {
    const by = (action: string) => r.repairs.filter((x) => x.action === action && x.done).length;
    lines.push(`  repaired: republished ${by('republish')} through the log, overwrote ${by('overwrite')} and removed ${by('remove')} in the follower table`);
  }
  lines.push(r.matched ? `  ${r.followerId} matches the leader` : `  ${r.remaining.length} difference(s) remain`);
  return lines.join('\n');
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      "compare a follower's table with the leader's (keys, versions, values); --repair heals differences: by republishing the leader's state through the log (heals every follower) or, where a republish would be skipped, by writing that follower table directly. Exit 0 = match, 1 = differences, 2 = could not verify",
    )
    .requiredOption('--follower <id>', 'the follower to verify', followerIdOption)
    .option('--repair', 'repair what differs, then re-check', false)
    .option('--settle <duration>', 'how long a difference may take to go away before it counts (default 10s + the follower delay)', durationOption)
    .option('--show <n>', 'differences to list', positiveIntOption, 20)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: VerifyCliOptions) => {
      let report: VerifyReport;
      try {
        const { runtime, close } = await openCommandRuntime();
        try {
          report = await verifyFollowerTable(runtime, {
            followerId: opts.follower,
            repair: opts.repair,
            ...(opts.settle === undefined ? {} : { settleMs: opts.settle }),
            onNotice: (message) => process.stderr.write(`replog: ${message}\n`),
          });
        } finally {
          await close();
        }
      } catch (error) {
        process.stderr.write(`replog verify: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = VERIFY_EXIT.failed;
        return;
      }
      process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : renderVerifyReport(report, opts.show)}\n`);
      process.exitCode = report.matched ? VERIFY_EXIT.matched : VERIFY_EXIT.differences;
    });
}
