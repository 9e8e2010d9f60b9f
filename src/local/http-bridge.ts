import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { InternalError, PayloadTooLargeError, ReplogError, ValidationError } from '../core/errors';
import type { Log } from '../core/ports';
import { errorResult } from '../functions/http/http-edge';
import type { HttpEvent, HttpResult } from '../functions/http/http-types';
import type { Route } from './routes';

/**
 * Serves the HTTP API locally by turning each request into the API Gateway HTTP API (v2) event the
 * cloud would deliver, and the handler's result back into a response. Routing, 404/405 and the
 * body-size cap (enforced while reading, so a huge body is never buffered) happen here, as API
 * Gateway does them in front of Lambda.
 */
export function startHttpBridge(
  routes: Route[],
  options: { port: number; host: string; maxBodyBytes: number; log: Log },
): Promise<Server> {
  const server = createServer((req, res) => {
    void handle(req, res, routes, options).catch((error: unknown) => {
      options.log.error('http bridge failure', { error });
      if (!res.headersSent) send(res, errorResult(new InternalError('internal error'), randomUUID()));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerUnparsable(error, socket));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Requests Node cannot parse (a broken request line, bad chunking, oversized headers) never reach
 * a route; they still get the documented JSON error shape instead of Node's bare status line.
 */
function answerUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const failure =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ReplogError('BAD_REQUEST', 431, 'the request headers are too large')
      : new ReplogError('BAD_REQUEST', 400, `the request could not be parsed as HTTP/1.1 (${error.code ?? 'malformed'})`);
  const result = errorResult(failure, randomUUID());
  const body = Buffer.from(result.body ?? '', 'utf8');
  const head = [
    `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? 'Bad Request'}`,
    ...Object.entries(result.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`),
    `content-length: ${body.length}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

interface Match {
  route: Route;
  params: Record<string, string>;
}

function matchPath(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    const s = segments[i] as string;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = s;
    else if (p !== s) return undefined;
  }
  return params;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Route[],
  options: { maxBodyBytes: number; log: Log },
): Promise<void> {
  const requestId = randomUUID();
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQueryString = q === -1 ? '' : rawUrl.slice(q + 1);
  const method = (req.method ?? 'GET').toUpperCase();

  let segments: string[];
  try {
    segments = rawPath.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    await drain(req);
    return send(res, errorResult(new ValidationError('BAD_KEY', 'the path is not valid percent-encoding'), requestId));
  }
  const candidates: Match[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (params) candidates.push({ route, params });
  }
  if (candidates.length === 0) {
    await drain(req);
    return send(res, errorResult(new ReplogError('NOT_FOUND', 404, `no route for ${method} ${rawPath}`), requestId));
  }
  const match = candidates.find((c) => c.route.method === method);
  if (!match) {
    await drain(req);
    const allow = candidates.map((c) => c.route.method).join(', ');
    return send(
      res,
      errorResult(new ReplogError('METHOD_NOT_ALLOWED', 405, `${method} is not allowed on ${rawPath}`, { details: { allow } }), requestId),
    );
  }

  let body: string | undefined;
  try {
    body = await readBody(req, options.maxBodyBytes);
  } catch (error) {
    if (error instanceof ReplogError) {
      res.setHeader('connection', 'close');
      return send(res, errorResult(error, requestId));
    }
    throw error;
  }

  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of query) queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;

  const event: HttpEvent = {
    version: '2.0',
    routeKey: `${match.route.method} ${match.route.path}`,
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(Object.keys(match.params).length > 0 ? { pathParameters: match.params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'local',
      requestId,
      routeKey: `${match.route.method} ${match.route.path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
  send(res, await match.route.handler(event));
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > maxBytes) {
      req.resume();
      reject(new PayloadTooLargeError(maxBytes, declared));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new PayloadTooLargeError(maxBytes, size));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(size === 0 ? undefined : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('end', () => resolve());
    req.on('error', () => resolve());
    req.resume();
  });
}

function send(res: ServerResponse, result: HttpResult): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}
