import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface ReadOutcome {
  status: number;
  latencyMs: number;
}

/** Reads items from the leader over keep-alive connections, timed like WriteClient's writes. */
export class ReadClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  get(key: string, lossless: boolean): Promise<ReadOutcome> {
    return new Promise((resolve) => {
      const started = performance.now();
      const req = request(
        { agent: this.agent, host: this.url.hostname, port: this.url.port, method: 'GET', path: `/items/${encodeURIComponent(key)}?lossless=${lossless}`, timeout: 60_000 },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, latencyMs: performance.now() - started }));
          res.on('error', () => resolve({ status: 0, latencyMs: performance.now() - started }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out after 60 s')));
      req.on('error', () => resolve({ status: 0, latencyMs: performance.now() - started }));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
