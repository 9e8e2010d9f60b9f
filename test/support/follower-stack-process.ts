import { stopOnSignals } from '../../src/cli/process-lifecycle';
import { startLocalStack } from '../../src/local/local-stack';

/**
 * A process that runs nothing but followers: the local stack of `replog follower --id <id>`
 * without the HTTP API or the Prometheus listener that command adds, so nothing but the follower
 * supervisor itself can keep it alive while none of its consumers runs. Prints
 * `follower stack <id> consuming` once started; stops (and leaves the group) on SIGTERM.
 */
const id = process.argv[2];
if (id === undefined) {
  process.stderr.write('usage: follower-stack-process <follower id>\n');
  process.exit(2);
}
startLocalStack({ followers: [id], command: `follower-stack-process ${id}`, say: (line) => process.stderr.write(`replog: ${line}\n`) }).then(
  (stack) => {
    stopOnSignals(() => stack.stop());
    process.stdout.write(`follower stack ${id} consuming\n`);
  },
  (error: unknown) => {
    process.stderr.write(`follower stack ${id} did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
