import type { Command } from 'commander';
import { startLocalStack } from '../../local/local-stack';
import { followerIdOption } from '../cli-options';
import { resolveSharedStore } from '../command-runtime';
import { stopOnSignals } from '../process-lifecycle';

const say = (line: string) => process.stderr.write(`replog: ${line}\n`);

/** Returns the `follower` command so its `add` and `remove` sub-commands can hang off it. */
export function registerFollower(program: Command): Command {
  return program
    .command('follower')
    .description(
      'run one follower as its own process (a consumer group that applies into its own table); needs DYNAMODB_ENDPOINT or a running `replog dev`',
    )
    // Not a requiredOption: commander would then demand --id of `follower add|remove` too.
    .option('--id <id>', 'the follower id, e.g. follower-2', followerIdOption)
    .action(async (opts: { id?: string }) => {
      if (opts.id === undefined) throw new Error('follower needs --id <id> to run a follower, or a sub-command: add, remove');
      const shared = resolveSharedStore(`replog follower --id ${opts.id}`, process.env);
      if (shared.notice) say(shared.notice);
      const stack = await startLocalStack({
        env: shared.env,
        followers: [opts.id],
        command: `replog follower --id ${opts.id}`,
        say,
        processMetrics: true,
        tracing: true,
        metricsServer: true,
      });
      stopOnSignals(() => stack.stop());
      const metrics = stack.metricsUrl ? `; metrics on ${stack.metricsUrl}` : '';
      process.stdout.write(`replog follower ${opts.id} consuming ${stack.runtime.config.topic} as ${stack.runtime.config.groupId(opts.id)}${metrics}\n`);
    });
}
