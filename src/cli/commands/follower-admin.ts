import type { Command } from 'commander';
import { addFollower, removeFollower } from '../../functions/follower-maintenance';
import { durationOption, followerIdOption, positiveIntOption } from '../cli-options';
import { openCommandRuntime } from '../command-runtime';
import { abortOnSignals } from '../process-lifecycle';
import { checkRebuiltFollower } from '../rebuild-check';
import { renderReplaySummary, replayProgressBar } from '../replay-output';

const say = (message: string) => process.stderr.write(`replog: ${message}\n`);

/** `replog follower add <id>` and `replog follower remove <id>`, beside `replog follower --id <id>`. */
export function registerFollowerAdmin(follower: Command): void {
  follower
    .command('add <id>')
    .description(
      'register a new follower: create its table, fill it by replaying the log from earliest (its consumer group takes over from there), then add it to the control state as async; a running replog dev starts it within a second',
    )
    .option('--delay <duration>', 'make it a delayed follower: apply events only once they are this old (e.g. 30s, 1h)', durationOption, 0)
    .option('--max-rate <events>', 'replay at most this many events per second', positiveIntOption)
    .option('--no-replay', "only register it: its own consumer fills its table (e.g. a new AWS event source mapping starting at TRIM_HORIZON)")
    .option('--no-verify', 'skip comparing the rebuilt follower with the leader once it is registered')
    .action(async (rawId: string, opts: { delay: number; maxRate?: number; replay: boolean; verify: boolean }) => {
      const id = followerIdOption(rawId);
      const bar = replayProgressBar(`replay ${id}`);
      const signal = abortOnSignals('stopping the replay at the next checkpoint', (line) => bar.note(line));
      const { runtime, close } = await openCommandRuntime();
      try {
        const { replay, registered } = await addFollower(runtime, {
          followerId: id,
          delayMs: opts.delay,
          signal,
          onProgress: (report) => bar.update(report),
          onNotice: (message) => bar.note(`replog: ${message}`),
          replay: opts.replay,
          ...(opts.maxRate ? { maxRatePerSec: opts.maxRate } : {}),
        });
        bar.stop();
        if (replay) process.stdout.write(`${renderReplaySummary(replay)}\n`);
        if (!registered) {
          process.stdout.write(`${id} is not registered yet: run \`replog follower add ${id}\` again to finish\n`);
          process.exitCode = 130;
          return;
        }
        const role = opts.delay > 0 ? `a delayed follower (${opts.delay} ms)` : 'an async follower';
        process.stdout.write(
          `${id} registered as ${role}, consuming ${runtime.config.topic} as ${runtime.config.groupId(id)}.\n` +
            '  Locally a running `replog dev` starts it within a second (or run `replog follower --id ' +
            `${id}\`); in AWS deploy its follower function with an event source mapping on that consumer group.\n`,
        );
        if (replay && opts.verify && !(await checkRebuiltFollower(runtime, id))) process.exitCode = 1;
      } finally {
        bar.stop();
        await close();
      }
    });

  follower
    .command('remove <id>')
    .description('unregister a follower (not the sync follower), then delete its consumer group; its table is kept unless --drop-table')
    .option('--drop-table', "also delete the follower's table", false)
    .action(async (rawId: string, opts: { dropTable: boolean }) => {
      const id = followerIdOption(rawId);
      const { runtime, close } = await openCommandRuntime();
      try {
        const result = await removeFollower(runtime, { followerId: id, dropTable: opts.dropTable, onNotice: say });
        const group = runtime.config.groupId(id);
        process.stdout.write(`${id} removed from the control state\n`);
        process.stdout.write(
          result.groupDeleted
            ? `  consumer group ${group} deleted\n`
            : `  consumer group ${group} still has ${result.liveMembers} member(s): stop that follower (in AWS remove its function and event source mapping), then delete the group (kafka-consumer-groups.sh --delete --group ${group})\n`,
        );
        process.stdout.write(opts.dropTable ? `  table ${runtime.config.tables.follower(id)} ${result.tableDropped ? 'deleted' : 'did not exist'}\n` : `  table ${runtime.config.tables.follower(id)} kept\n`);
      } finally {
        await close();
      }
    });
}
