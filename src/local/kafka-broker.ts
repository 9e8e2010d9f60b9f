import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = resolve(__dirname, '..', '..');
export const brokerScript = resolve(repoRoot, 'scripts', 'kafka', 'broker.sh');

export interface LocalBroker {
  brokers: string;
  port: number;
  /** False when a broker already answered on the port: someone else's, to be left running. */
  startedHere: boolean;
}

/**
 * Starts (or reuses) the project's local single-node Kafka broker through scripts/kafka/broker.sh,
 * which resolves Apache Kafka from Maven Central on first use.
 */
export async function ensureLocalBroker(port: number): Promise<LocalBroker> {
  const runningBefore = await brokerCommand('status', port).then(
    () => true,
    () => false,
  );
  try {
    await run('bash', [brokerScript, 'start'], { env: { ...process.env, KAFKA_PORT: String(port) }, timeout: 300_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`could not start the local Kafka broker on port ${port}: ${e.stderr || e.stdout || e.message}`, { cause: error });
  }
  return { brokers: `127.0.0.1:${port}`, port, startedHere: !runningBefore };
}

export async function brokerCommand(command: 'stop' | 'kill' | 'status' | 'reset', port: number): Promise<void> {
  await run('bash', [brokerScript, command], { env: { ...process.env, KAFKA_PORT: String(port) }, timeout: 60_000 });
}
