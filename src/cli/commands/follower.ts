import type { Command } from 'commander';
import { startLocalStack } from '../../local/local-stack';
import { followerIdOption } from '../cli-options';
import { stopOnSignals } from '../process-lifecycle';

export function registerFollower(program: Command): void {
  program
    .command('follower')
    .description('run one follower as its own process (a consumer group that applies into its own table)')
    .requiredOption('--id <id>', 'the follower id, e.g. follower-2', followerIdOption)
    .action(async (opts: { id: string }) => {
      const stack = await startLocalStack({ followers: [opts.id] });
      stopOnSignals(() => stack.stop());
      process.stdout.write(`replog follower ${opts.id} consuming ${stack.runtime.config.topic} as ${stack.runtime.config.groupId(opts.id)}\n`);
    });
}
