import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRunStore } from './shared-store';

/**
 * Integration tests run against one real local broker. If a broker already answers on the port
 * (a developer's `npm start`), it is reused and left running; otherwise it is started here and
 * stopped by global-teardown. Each test file still gets its own topic, tables and groups. The run's
 * store (shared-store.ts) starts here too.
 */
const repoRoot = join(__dirname, '..', '..');
export const stateFile = join(repoRoot, '.replog', 'test-broker.json');

export default async function globalSetup(): Promise<void> {
  await startRunStore();
  if (process.env.KAFKA_BROKERS) return;
  const port = process.env.KAFKA_PORT ?? '9092';
  const script = join(repoRoot, 'scripts', 'kafka', 'broker.sh');
  let running = true;
  try {
    execFileSync('bash', [script, 'status'], { env: { ...process.env, KAFKA_PORT: port }, stdio: 'ignore' });
  } catch {
    running = false;
  }
  if (!running) execFileSync('bash', [script, 'start'], { env: { ...process.env, KAFKA_PORT: port }, stdio: 'inherit' });
  writeFileSync(stateFile, JSON.stringify({ port, startedByTests: !running }));
  process.env.KAFKA_BROKERS = `127.0.0.1:${port}`;
}
