import { mkdirSync } from 'node:fs';
import { startDynalite } from './dynalite-server';

/**
 * One replica's store (or the control store) as a process of its own, so killing it is a real
 * fault of that failure domain alone. Run by `LocalStoreFarm`: `node store-process.js <id> <port>
 * [<dataDir>]` (port 0: any free port). It prints `replog store <id> <endpoint>` once it answers,
 * exits on SIGTERM, and exits when its parent goes away (the IPC channel closes), so a killed
 * `replog dev` leaves no store behind.
 */
const [id, portArg, dataDir] = process.argv.slice(2);
const port = Number(portArg ?? 0);
if (!id || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: store-process <id> <port> [<dataDir>]\n');
  process.exit(2);
}
if (dataDir) mkdirSync(dataDir, { recursive: true });

startDynalite({ port, ...(dataDir ? { path: dataDir } : {}) })
  .then((store) => {
    process.stdout.write(`replog store ${id} ${store.endpoint}\n`);
    const stop = () => void store.close().finally(() => process.exit(0));
    process.on('disconnect', stop);
    process.on('SIGTERM', stop);
    // Ctrl-C reaches the whole process group: the parent stops its stores itself, after it is
    // done with them, so a store must outlive the parent's shutdown steps.
    process.on('SIGINT', () => undefined);
  })
  .catch((error: unknown) => {
    process.stderr.write(`replog store ${id} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
