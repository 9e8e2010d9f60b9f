import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { parseServerTiming } from '../src/core/write-stages';

const writeResponseSchema = z.object({
  key: z.string(),
  version: z.number(),
  /** Who led and under which term when the write was acknowledged (the failover bench's new leader). */
  leader: z.string().optional(),
  term: z.number().optional(),
  position: z.object({ partition: z.number(), offset: z.string() }),
  ack: z.object({
    mode: z.string(),
    confirmedBy: z.array(z.string()),
    waitedMs: z.number(),
    degraded: z.boolean(),
    promotedTo: z.string().optional(),
  }),
});

export type WriteResponse = z.infer<typeof writeResponseSchema>;

export interface WriteOutcome {
  status: number;
  latencyMs: number;
  /** Parsed body of a 200; undefined for errors. */
  body: WriteResponse | undefined;
  /** The server's own account of a 200 (its Server-Timing header): stage → ms, `total` included. */
  serverTiming?: Map<string, number>;
  error?: string;
}

/**
 * Drives writes through the real HTTP API over keep-alive connections (what a well-behaved client
 * pays), timing each request from the first byte sent to the last byte received.
 */
export class WriteClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    maxSockets: number,
    private readonly apiKey?: string,
  ) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  put(key: string, value: unknown, ack: string): Promise<WriteOutcome> {
    const body = JSON.stringify(value);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (this.apiKey) headers['x-api-key'] = this.apiKey;
    return new Promise((resolve) => {
      const started = performance.now();
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: 'PUT',
          path: `/items/${encodeURIComponent(key)}?ack=${encodeURIComponent(ack)}`,
          headers,
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const latencyMs = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status !== 200) {
              resolve({ status, latencyMs, body: undefined, error: text.slice(0, 300) });
              return;
            }
            try {
              const timing = res.headers['server-timing'];
              resolve({ status, latencyMs, body: writeResponseSchema.parse(JSON.parse(text)), serverTiming: parseServerTiming(Array.isArray(timing) ? timing.join(', ') : timing) });
            } catch (error) {
              resolve({ status: 0, latencyMs, body: undefined, error: `unexpected response: ${(error as Error).message}` });
            }
          });
          res.on('error', (error) => resolve({ status: 0, latencyMs: performance.now() - started, body: undefined, error: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out after 60 s')));
      req.on('error', (error) => resolve({ status: 0, latencyMs: performance.now() - started, body: undefined, error: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
