import { createServer, type Server, type Socket, connect } from 'node:net';

export interface CuttableProxy {
  port: number;
  /** Drops every connection and refuses new ones, as an unreachable endpoint does. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a local service that can be cut and restored on the same port: a
 * network-level outage of, say, DynamoDB, without stopping the service itself.
 */
export async function startCuttableProxy(targetPort: number, host = '127.0.0.1'): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  const make = () =>
    createServer((client) => {
      const upstream = connect(targetPort, host);
      sockets.add(client);
      sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as { port: number }).port));
    });
  let server = make();
  const port = await listen(server, 0);
  let open = true;
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      server.close(() => resolve());
    });
  return {
    port,
    async cut() {
      if (!open) return;
      open = false;
      await shut();
    },
    async restore() {
      if (open) return;
      server = make();
      await listen(server, port);
      open = true;
    },
    async close() {
      if (open) await shut();
      open = false;
    },
  };
}
