import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { STAGES } from './stages';

/**
 * cfn-lint (PyPI; .ci/run installs it) over every packaged template, which holds everything infra/
 * contributes; one run for all templates, since loading its specs is most of its time. Errors
 * fail; warnings are printed (serverless's own output carries W3005 redundant-DependsOn warnings
 * for custom roles and route integrations).
 */
jest.setTimeout(180_000);

const templateOf = (dir: string) => join(dir, 'cloudformation-template-update-stack.json');

describe('cfn-lint', () => {
  let version = '';
  let findings: string[] = [];
  let status: number | null = null;

  beforeAll(() => {
    const v = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (v.error) throw new Error('cfn-lint is not installed: python3 -m pip install cfn-lint');
    version = v.stdout.trim();
    const run = spawnSync('cfn-lint', ['--format', 'parseable', ...Object.values(STAGES).map((s) => templateOf(s.dir))], { encoding: 'utf8' });
    findings = run.stdout.split('\n').filter(Boolean);
    status = run.status;
  });

  it.each(Object.values(STAGES))('reports no errors on the $stage template', (stage) => {
    const mine = findings.filter((line) => line.startsWith(templateOf(stage.dir)));
    const errors = mine.filter((line) => /:E\d{4}:/.test(line));
    const warnings = mine.filter((line) => /:W\d{4}:/.test(line));
    process.stdout.write(`${version} on ${stage.stage}: ${errors.length} errors, ${warnings.length} warnings\n`);
    expect(errors).toEqual([]);
  });

  it('exits without the error or failure bits', () => {
    // cfn-lint's exit status is a bit mask: 2 means errors were found, 1 that it could not run.
    expect(status === null ? -1 : status & 3).toBe(0);
  });
});
