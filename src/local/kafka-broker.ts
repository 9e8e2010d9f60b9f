import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = resolve(__dirname, '..', '..');
export const brokerScript = resolve(repoRoot, 'scripts', 'kafka', 'broker.sh');

export interface LocalBroker {
  brokers: string;
  /** The base port: the broker's own for one node, broker i's is port + 2(i-1) in a cluster. */
  port: number;
  /** Brokers (1: one JVM that is broker and controller; more: a cluster with three controllers). */
  nodes: number;
  /** False when a broker already answered on the port: someone else's, to be left running. */
  startedHere: boolean;
}

const scriptEnv = (port: number, nodes: number) => ({ ...process.env, KAFKA_PORT: String(port), KAFKA_NODES: String(nodes) });

/** host:port of every broker of a local cluster on `port` (what broker.sh derives). */
export function localBootstrap(port: number, nodes: number): string {
  return Array.from({ length: nodes }, (_, i) => `127.0.0.1:${port + 2 * i}`).join(',');
}

/**
 * Starts (or reuses) the project's local Kafka through scripts/kafka/broker.sh, which resolves
 * Apache Kafka from Maven Central on first use: one node, or `nodes` brokers and three controllers.
 */
export async function ensureLocalBroker(port: number, nodes = 1): Promise<LocalBroker> {
  const runningBefore = await brokerCommand('status', port, nodes).then(
    () => true,
    () => false,
  );
  try {
    await run('bash', [brokerScript, 'start'], { env: scriptEnv(port, nodes), timeout: 300_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const what = nodes === 1 ? `the local Kafka broker on port ${port}` : `the local Kafka cluster of ${nodes} brokers on ports from ${port}`;
    throw new Error(`could not start ${what}: ${e.stderr || e.stdout || e.message}`, { cause: error });
  }
  return { brokers: localBootstrap(port, nodes), port, nodes, startedHere: !runningBefore };
}

/** A broker.sh command for the whole local Kafka, or for one node of it (1..N, c1..c3). */
export async function brokerCommand(
  command: 'stop' | 'kill' | 'status' | 'reset' | 'start' | 'pause' | 'resume' | 'controller',
  port: number,
  nodes = 1,
  node?: string,
): Promise<string> {
  const { stdout } = await run('bash', [brokerScript, command, ...(node === undefined ? [] : [node])], { env: scriptEnv(port, nodes), timeout: 120_000 });
  return stdout;
}
