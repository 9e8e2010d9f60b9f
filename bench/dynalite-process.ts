import { startDynalite } from '../src/local/dynalite-server';

/**
 * dynalite in a process of its own: the store then has its own event loop, as DynamoDB is a
 * separate service, instead of sharing one thread with the leader, the followers and the load.
 * Exits when its parent goes away (the IPC channel closes).
 */
startDynalite()
  .then((store) => {
    process.stdout.write(`dynalite ${store.endpoint}\n`);
    const stop = () => void store.close().finally(() => process.exit(0));
    process.on('disconnect', stop);
    process.on('SIGTERM', stop);
  })
  .catch((error: unknown) => {
    process.stderr.write(`dynalite failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
