import { startLocalStack } from './local-stack';

/**
 * The local runtime's follower process (`replog dev`, `replog bench`): every follower consumer
 * and the outbox relay, out of the leader's event loop, as they run in Lambdas of their own in the
 * cloud. Run by `LocalStoreFarm` with the leader's environment (store endpoints, brokers, topic and
 * groups): `node follower-process.js <id> <metricsPort>`. It follows the control state like the
 * in-process followers do (added followers start, removed ones stop), prints
 * `replog followers <id> <metrics URL>` once every consumer has joined, stops on SIGTERM and when
 * its parent goes away (the IPC channel closes), so a killed `replog dev` leaves no consumer behind.
 */
const [id, portArg] = process.argv.slice(2);
const port = Number(portArg ?? 0);
if (!id || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: follower-process <id> <metricsPort>\n');
  process.exit(2);
}

startLocalStack({
  env: { ...process.env, REPLOG_METRICS_PORT: String(port) },
  followers: 'all',
  relay: true,
  // The leader's process watches the leader; two watchdogs would only race each other.
  watchdog: false,
  rosterNotices: false,
  command: `replog dev (${id})`,
  processMetrics: true,
  metricsServer: true,
  tracing: true,
})
  .then((stack) => {
    process.stdout.write(`replog followers ${id} ${stack.metricsUrl ?? '-'}\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void stack.stop().finally(() => process.exit(0));
    };
    process.on('disconnect', stop);
    process.on('SIGTERM', stop);
    // Ctrl-C reaches the whole process group: the parent stops this process itself, after it
    // stopped serving writes, so the followers apply what was written up to then.
    process.on('SIGINT', () => undefined);
  })
  .catch((error: unknown) => {
    process.stderr.write(`replog followers ${id} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
