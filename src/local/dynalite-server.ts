import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The embedded DynamoDB-compatible store. In-memory unless a path is given (`replog dev` keeps it
 * under .replog/ so follower tables survive restarts together with the broker's committed offsets).
 */
export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

export async function startDynalite(
  options: { port?: number; host?: string; path?: string; onServer?: (server: Server) => void } = {},
): Promise<EmbeddedDynamo> {
  // dynalite ships no types; its factory returns a plain http.Server.
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  // The benchmark's store process counts requests per operation through this hook.
  options.onServer?.(server);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
