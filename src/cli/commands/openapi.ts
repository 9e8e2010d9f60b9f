import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openApiDocument } from '../../api/openapi-document';

/** The document for the default settings as committed in docs/openapi.json: stable text, one trailing newline. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

export function registerOpenApi(program: Command): void {
  program
    .command('openapi')
    .description('print the HTTP API’s OpenAPI 3.1 document (default settings), or write it to a file, or check that a file holds it')
    .option('--out <file>', 'write it to this file (npm run openapi writes docs/openapi.json)')
    .option('--check <file>', 'exit 1 if this file does not hold the current document')
    .action((opts: { out?: string; check?: string }) => {
      const text = openApiText();
      if (opts.check !== undefined) {
        let held = '';
        try {
          held = readFileSync(opts.check, 'utf8');
        } catch {
          // A missing file is stale like any other.
        }
        if (held !== text) {
          process.stderr.write(`replog: ${opts.check} is not the current OpenAPI document; run npm run openapi\n`);
          process.exitCode = 1;
        }
        return;
      }
      if (opts.out !== undefined) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
