import { Command, CommanderError } from 'commander';
import { ReplogError } from '../core/errors';
import { registerBench } from './commands/bench';
import { registerDev } from './commands/dev';
import { registerDlq } from './commands/dlq';
import { registerFollower } from './commands/follower';
import { registerFailover } from './commands/failover';
import { registerFollowerAdmin } from './commands/follower-admin';
import { registerMappings } from './commands/mappings';
import { registerRejoin } from './commands/rejoin';
import { registerOpenApi } from './commands/openapi';
import { registerRelay } from './commands/relay';
import { registerReplay } from './commands/replay';
import { registerServe } from './commands/serve';
import { registerStatus } from './commands/status';
import { registerTopics } from './commands/topics';
import { registerVerify } from './commands/verify';

// The CLI runs on the developer's Node 20; the Lambda target is nodejs22.x where the SDK's
// end-of-support notice does not apply, so the notice is silenced for the CLI only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The `replog` command. Each sub-command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command('replog')
    .description('leader–follower replication over DynamoDB tables and a Kafka replication log')
    .version(require('../../package.json').version as string)
    .showHelpAfterError()
    // Commander would exit by itself; runCli decides the code (usage errors are 2). Sub-commands
    // registered below inherit this.
    .exitOverride();
  registerDev(program);
  registerServe(program);
  registerFollowerAdmin(registerFollower(program));
  registerReplay(program);
  registerVerify(program);
  registerStatus(program);
  registerFailover(program);
  registerRejoin(program);
  registerTopics(program);
  registerRelay(program);
  registerDlq(program);
  registerMappings(program);
  registerBench(program);
  registerOpenApi(program);
  return program;
}

/** Exit codes every command shares: 1 the command failed, 2 it was called wrongly (as `replog verify` documents). */
export const USAGE_EXIT = 2;
/** The command failed for a reason a retry may cure (the store or the broker did not answer): sysexits' EX_TEMPFAIL. */
export const RETRY_EXIT = 75;

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed what was wrong (and the help); --help and --version are not errors.
      process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT;
      return;
    }
    const retriable = error instanceof ReplogError && error.retriable;
    const hint = retriable ? ' (temporary: the same command may succeed when run again)' : '';
    process.stderr.write(`replog: ${error instanceof Error ? error.message : String(error)}${hint}\n`);
    process.exit(retriable ? RETRY_EXIT : 1);
  }
}

if (require.main === module) void runCli(process.argv);
