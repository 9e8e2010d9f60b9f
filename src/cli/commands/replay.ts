import { type Command, Option } from 'commander';
import type { ReplayFrom } from '../../core/replay-plan';
import { replayFollower } from '../../functions/follower-maintenance';
import { followerIdOption, positiveIntOption, replayFromOption } from '../cli-options';
import { openCommandRuntime } from '../command-runtime';
import { abortOnSignals } from '../process-lifecycle';
import { checkRebuiltFollower } from '../rebuild-check';
import { renderReplaySummary, replayProgressBar } from '../replay-output';

interface ReplayCliOptions {
  follower: string;
  from: ReplayFrom;
  rebuild: boolean;
  restart: boolean;
  maxRate?: number;
  json: boolean;
  verify: boolean;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      "catch a follower up from the replication log at bulk speed (or rebuild it into a fresh table), then hand over to its live consumer; Ctrl-C stops at a checkpoint and running it again resumes",
    )
    .requiredOption('--follower <id>', 'the follower to replay into', followerIdOption)
    .addOption(
      new Option('--from <position>', 'earliest, an offset (every partition), or an ISO 8601 time such as 2024-05-01T12:00:00Z')
        .argParser(replayFromOption)
        .default({ kind: 'earliest' } as ReplayFrom, 'earliest'),
    )
    .option('--rebuild', 'replay into a fresh table (drops and recreates it); needs --from earliest', false)
    .option('--restart', 'discard an interrupted replay of this follower instead of resuming it', false)
    .option('--max-rate <events>', 'at most this many events per second (spares the table’s write capacity)', positiveIntOption)
    .option('--json', 'print the summary as JSON', false)
    .option('--no-verify', 'skip comparing a rebuilt follower with the leader when the rebuild is done')
    .action(async (opts: ReplayCliOptions) => {
      const bar = replayProgressBar(`replay ${opts.follower}`);
      // The bar owns the terminal while it runs: every line goes above it, never through it.
      const signal = abortOnSignals('stopping the replay at the next checkpoint', (line) => bar.note(line));
      const { runtime, close } = await openCommandRuntime();
      try {
        const summary = await replayFollower(runtime, {
          followerId: opts.follower,
          from: opts.from,
          rebuild: opts.rebuild,
          restart: opts.restart,
          ...(opts.maxRate ? { maxRatePerSec: opts.maxRate } : {}),
          signal,
          onProgress: (report) => bar.update(report),
          onNotice: (message) => bar.note(`replog: ${message}`),
        });
        bar.stop();
        process.stdout.write(`${opts.json ? JSON.stringify(summary, null, 2) : renderReplaySummary(summary)}\n`);
        if (!summary.completed) process.exitCode = 130;
        else if (opts.rebuild && opts.verify && !(await checkRebuiltFollower(runtime, opts.follower))) process.exitCode = 1;
      } finally {
        bar.stop();
        await close();
      }
    });
}
