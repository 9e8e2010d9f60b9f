import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopRunStore } from './shared-store';

const repoRoot = join(__dirname, '..', '..');
const stateFile = join(repoRoot, '.replog', 'test-broker.json');

/** Stops the run's store, and the broker only if globalSetup started it; a developer's running broker is left alone. */
export default async function globalTeardown(): Promise<void> {
  await stopRunStore();
  if (!existsSync(stateFile)) return;
  const { port, startedByTests } = JSON.parse(readFileSync(stateFile, 'utf8')) as { port: string; startedByTests: boolean };
  rmSync(stateFile, { force: true });
  if (startedByTests && process.env.REPLOG_KEEP_TEST_BROKER !== '1') {
    execFileSync('bash', [join(repoRoot, 'scripts', 'kafka', 'broker.sh'), 'stop'], {
      env: { ...process.env, KAFKA_PORT: port },
      stdio: 'inherit',
    });
  }
}
