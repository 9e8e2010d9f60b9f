import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { switchLeader } from '../../functions/leader-switchover';
import { followerIdOption } from '../cli-options';
import { openCommandRuntime } from '../command-runtime';

/**
 * `replog failover --to <replica>`: a planned switchover, run from here against the stores and
 * the log that `replog dev`/`serve` use (the endpoints file, or the environment). Writes pause
 * while it runs and then go to the new leader.
 */
export function registerFailover(program: Command): void {
  program
    .command('failover')
    .description(
      'move the leadership to another replica (a planned switchover): writes wait while the old leader drains its outbox, the new term is fenced in the log and the target applies up to the fence; then the target leads and the old leader follows',
    )
    .requiredOption('--to <replica>', 'the replica to lead (main or a follower id)', followerIdOption)
    .option('--reason <text>', 'why, for the history', 'planned switchover')
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { to: string; reason: string; json: boolean }) => {
      const { runtime, close } = await openCommandRuntime();
      try {
        const report = await switchLeader(runtime.switchoverDeps, { to: opts.to, by: `replog failover (${userInfo().username})`, reason: opts.reason });
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          const fence = Object.entries(report.fence)
            .map(([p, o]) => `${p}:${o}`)
            .join(' ');
          process.stdout.write(
            `${report.to} leads term ${report.term} (was ${report.from}); writes paused ${report.pauseMs} ms; ` +
              `fence at ${fence}; ${report.drained} outbox marks drained first; ${report.from} follows now\n`,
          );
        }
      } finally {
        await close();
      }
    });
}
