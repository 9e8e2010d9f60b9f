import type { Command } from 'commander';
import { startLocalStack } from '../../local/local-stack';
import { portOption } from '../cli-options';
import { resolveSharedStore } from '../command-runtime';
import { stopOnSignals } from '../process-lifecycle';

const say = (line: string) => process.stderr.write(`replog: ${line}\n`);

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (the leader) alone; followers run elsewhere (`replog follower`); needs DYNAMODB_ENDPOINT or a running `replog dev`')
    .option('-p, --port <port>', 'HTTP port (default: PORT or 3000)', portOption)
    .action(async (opts: { port?: number }) => {
      const shared = resolveSharedStore('replog serve', { ...process.env, ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}) });
      if (shared.notice) say(shared.notice);
      const stack = await startLocalStack({ env: shared.env, http: true, followers: 'none', command: 'replog serve', say, processMetrics: true, tracing: true });
      stopOnSignals(() => stack.stop());
      process.stdout.write(`replog leader listening on ${stack.url}\n`);
    });
}
