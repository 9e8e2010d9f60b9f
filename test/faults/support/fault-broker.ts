import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { brokerCommand, brokerScript } from '../../../src/local/kafka-broker';

const run = promisify(execFile);

/**
 * The fault suite's own broker, on its own port (default 29092), so stopping and killing it never
 * disturbs the broker other test runs share on 9092.
 */
export const faultBrokerPort = Number(process.env.REPLOG_FAULT_KAFKA_PORT ?? 29092);
export const faultBrokers = `127.0.0.1:${faultBrokerPort}`;

/**
 * Lets follower groups use a short session timeout (REPLOG_FOLLOWER_SESSION_TIMEOUT_MS), so a
 * SIGKILLed follower's partitions move on in seconds and the suite can kill many times quickly.
 */
const brokerProperties = 'group.min.session.timeout.ms=1000';

export async function startFaultBroker(): Promise<number> {
  const started = Date.now();
  await run('bash', [brokerScript, 'start'], {
    env: { ...process.env, KAFKA_PORT: String(faultBrokerPort), KAFKA_EXTRA_PROPERTIES: brokerProperties },
    timeout: 300_000,
  });
  return Date.now() - started;
}

/** `stop` is a clean shutdown (SIGTERM); `kill` is SIGKILL, as a crashed broker host would be. */
export async function stopFaultBroker(how: 'stop' | 'kill'): Promise<number> {
  const started = Date.now();
  await brokerCommand(how, faultBrokerPort);
  return Date.now() - started;
}

/** Stops the broker and deletes its data: every fault run starts from an empty log. */
export async function resetFaultBroker(): Promise<void> {
  await run('bash', [brokerScript, 'reset'], { env: { ...process.env, KAFKA_PORT: String(faultBrokerPort) }, timeout: 120_000 });
}
