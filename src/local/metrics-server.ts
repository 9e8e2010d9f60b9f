import { createServer, type Server } from 'node:http';
import { ConfigError } from '../core/errors';
import type { Log } from '../core/ports';
import type { PrometheusMetrics } from '../observability/prometheus-metrics';

export interface MetricsServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The Prometheus endpoint of a process that serves no HTTP API (`replog follower`): GET /metrics
 * and nothing else. Port 0 takes a free port; the caller prints the URL.
 */
export function startMetricsServer(metrics: PrometheusMetrics, options: { port: number; host: string; log: Log }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics here\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      (error: unknown) => {
        options.log.error('metrics not rendered', { error });
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics not rendered\n');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(`metrics port ${options.port} on ${options.host} is already in use: set REPLOG_METRICS_PORT to a free port`, { cause: error })
          : error,
      ),
    );
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        url: `http://${options.host}:${port}/metrics`,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
