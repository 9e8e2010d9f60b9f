import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { packagingEnv, repoRoot, STAGES } from './stages';

/**
 * Packages every stage once, before the deploy tests read the results: `serverless package` (v3,
 * from devDependencies) with fake credentials, each stage into its own folder.
 */
export default function packageStages(): void {
  for (const s of Object.values(STAGES)) {
    rmSync(s.dir, { recursive: true, force: true });
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'serverless', 'bin', 'serverless.js'),
        'package',
        '--stage',
        s.stage,
        '--package',
        s.dir,
        ...Object.entries(s.params).map(([name, value]) => `--param=${name}=${value}`),
      ],
      { cwd: repoRoot, env: packagingEnv(s.env), encoding: 'utf8', timeout: 400_000 },
    );
    if (run.status !== 0) {
      throw new Error(`serverless package --stage ${s.stage} failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
    }
    process.stdout.write(`\n  packaged stage ${s.stage} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
