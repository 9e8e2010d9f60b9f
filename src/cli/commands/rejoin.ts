import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { UnavailableError } from '../../core/errors';
import { rejoinReplica } from '../../functions/rejoin';
import { followerIdOption, positiveIntOption } from '../cli-options';
import { openCommandRuntime } from '../command-runtime';
import { renderRejoinReport } from '../rejoin-output';

/**
 * `replog rejoin <replica>`: rewinds a leader deposed by a failover and brings it back as a
 * follower (functions/rejoin.ts). The local runtime does this by itself once the store answers
 * again (REPLOG_AUTO_REJOIN); this is the way by hand, and in AWS.
 */
export function registerRejoin(program: Command): void {
  program
    .command('rejoin')
    .description(
      "rewind a leader deposed by a failover and let it follow again: every item it committed under a term it led that never reached the log before that term ended (so was never acknowledged) is reverted to the new leader's state, and listed by key and version",
    )
    .argument('<replica>', 'the deposed leader (main or a follower id)', followerIdOption)
    .option('--show <n>', 'reverted items to list', positiveIntOption, 50)
    .option('--json', 'print the report as JSON', false)
    .action(async (replica: string, opts: { show: number; json: boolean }) => {
      const { runtime, close } = await openCommandRuntime();
      try {
        const probe = await runtime.storeProbe(replica).probe();
        if (!probe.ok) throw new UnavailableError(`the store of ${replica} does not answer (${probe.error}); start it, then rejoin`);
        const report = await rejoinReplica(runtime.rejoinDeps(replica), replica, `replog rejoin (${userInfo().username}, pid ${process.pid})`);
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderRejoinReport(report, opts.show)}\n`);
      } finally {
        await close();
      }
    });
}
