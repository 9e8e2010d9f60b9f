import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagingEnv, repoRoot } from './stages';

/**
 * The README's deploy command run as written, without the settings docs/DEPLOY.md asks for: it
 * must stop before rendering anything, with one line that names what is missing.
 */
jest.setTimeout(120_000);

describe('serverless without the required deploy settings', () => {
  it.each(['package', 'deploy'])('stops `serverless %s --stage aws` with one line naming kafkaBrokers and kafkaSecretArn', (command) => {
    const dir = mkdtempSync(join(tmpdir(), 'replog-bare-'));
    try {
      const run = spawnSync(
        process.execPath,
        [join(repoRoot, 'node_modules', 'serverless', 'bin', 'serverless.js'), command, '--stage', 'aws', ...(command === 'package' ? ['--package', dir] : [])],
        { cwd: repoRoot, env: packagingEnv({}), encoding: 'utf8', timeout: 100_000 },
      );
      expect(run.status).toBe(1);
      const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^replog deployment settings: kafkaBrokers is empty \(export REPLOG_KAFKA_BROKERS=.*kafkaSecretArn must be .*REPLOG_KAFKA_SECRET_ARN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops `serverless package --stage local` with one line naming a replica placement that names no replica', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replog-bare-'));
    try {
      const run = spawnSync(
        process.execPath,
        [
          join(repoRoot, 'node_modules', 'serverless', 'bin', 'serverless.js'),
          'package',
          '--stage',
          'local',
          '--package',
          dir,
          '--param=replicaRegions=follower-9=us-east-2',
        ],
        { cwd: repoRoot, env: packagingEnv({}), encoding: 'utf8', timeout: 100_000 },
      );
      expect(run.status).toBe(1);
      const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^replog deployment settings: the function environment is not valid: invalid configuration: REPLOG_REPLICA_REGIONS: follower-9 is not a replica \(replicas: main, follower-1, follower-2, follower-3\)$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
