import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** A span as OTLP/JSON sends it, with the pid of the process that sent it. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  pid: number;
}

/** OTLP/JSON ids are hex; a base64 id (as some encoders send) is turned into hex too. */
const hexId = (id: string) => (/^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

/** An OTLP/HTTP traces receiver, standing in for a collector: it keeps every span it is sent. */
export function startOtlpReceiver(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as {
        resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: Omit<OtlpSpan, 'pid'>[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const pid = Number(rs.resource.attributes.find((a) => a.key === 'process.pid')?.value.intValue);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({ ...s, traceId: hexId(s.traceId), spanId: hexId(s.spanId), ...(s.parentSpanId ? { parentSpanId: hexId(s.parentSpanId) } : {}), pid });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/v1/traces`, spans });
    }),
  );
}
