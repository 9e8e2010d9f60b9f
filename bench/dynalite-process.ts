import type { Server } from 'node:http';
import { startDynalite } from '../src/local/dynalite-server';

/**
 * dynalite in a process of its own: the store then has its own event loop, as DynamoDB is a
 * separate service, instead of sharing one thread with the leader, the followers and the load.
 * It counts requests per operation and answers `{ type: 'stats' }` over IPC with those counts and
 * its CPU time, so the benchmark can say what each write cost the store. Exits when its parent
 * goes away (the IPC channel closes).
 */
const operations = new Map<string, number>();

function countRequests(server: Server): void {
  server.prependListener('request', (req) => {
    const target = req.headers['x-amz-target'];
    const op = typeof target === 'string' ? (target.split('.')[1] ?? target) : 'other';
    operations.set(op, (operations.get(op) ?? 0) + 1);
  });
}

startDynalite({ onServer: countRequests })
  .then((store) => {
    process.stdout.write(`dynalite ${store.endpoint}\n`);
    process.on('message', (message: { type?: string }) => {
      if (message?.type !== 'stats') return;
      const cpu = process.cpuUsage();
      process.send?.({ type: 'stats', operations: Object.fromEntries(operations), cpuMs: (cpu.user + cpu.system) / 1000 });
    });
    const stop = () => void store.close().finally(() => process.exit(0));
    process.on('disconnect', stop);
    process.on('SIGTERM', stop);
  })
  .catch((error: unknown) => {
    process.stderr.write(`dynalite failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
