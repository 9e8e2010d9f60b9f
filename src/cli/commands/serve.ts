import type { Command } from 'commander';
import { startLocalStack } from '../../local/local-stack';
import { portOption } from '../cli-options';
import { stopOnSignals } from '../process-lifecycle';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (the leader) alone; followers run elsewhere (`replog follower`)')
    .option('-p, --port <port>', 'HTTP port (default: PORT or 3000)', portOption)
    .action(async (opts: { port?: number }) => {
      const env = { ...process.env, ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}) };
      const stack = await startLocalStack({ env, http: true, followers: 'none' });
      stopOnSignals(() => stack.stop());
      process.stdout.write(`replog leader listening on ${stack.url}\n`);
    });
}
