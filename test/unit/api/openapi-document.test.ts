import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../../src/api/openapi-document';
import { openApiText } from '../../../src/cli/commands/openapi';
import { buildRoutes } from '../../../src/local/routes';
import type { Runtime } from '../../../src/functions/runtime';

const repoRoot = join(__dirname, '..', '..', '..');
const committed = join(repoRoot, 'docs', 'openapi.json');

/**
 * docs/openapi.json is what the zod schemas generate (CI fails when it is stale: `npm run
 * openapi` rewrites it), it passes a real OpenAPI 3.1 validator, and it names every route the
 * local server (and so serverless.yml) serves, with every method.
 */
describe('the OpenAPI document', () => {
  it('docs/openapi.json is the current document (run npm run openapi after changing a schema)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(openApiText());
  });

  it('passes @seriousme/openapi-schema-validator as OpenAPI 3.1', () => {
    const cli = join(repoRoot, 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');
    // The validator is ESM-only; its own CLI runs it as shipped. It exits 1 with the errors when invalid.
    const out = execFileSync(process.execPath, [cli, committed], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ valid: true });
  });

  it('documents every route the HTTP API serves, and nothing else', () => {
    const doc = openApiDocument();
    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((k) => ['get', 'put', 'post', 'delete', 'patch'].includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    const served = buildRoutes(() => ({}) as Runtime).map((r) => `${r.method} ${r.path}`);
    expect(documented.sort()).toEqual(served.sort());
  });

  it('lists, for every operation, the error shape on each 4xx/5xx it documents', () => {
    for (const [path, item] of Object.entries(openApiDocument().paths ?? {})) {
      for (const [method, op] of Object.entries(item ?? {}) as [string, { responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }][]) {
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          if (Number(status) < 400 || path === '/readyz') continue;
          expect([`${method} ${path} ${status}`, response.content?.['application/json']?.schema?.$ref]).toEqual([`${method} ${path} ${status}`, '#/components/schemas/Error']);
        }
      }
    }
  });
});
