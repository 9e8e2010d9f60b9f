import { randomUUID } from 'node:crypto';
import type { ReplogError } from '../../core/errors';
import type { Log } from '../../core/ports';
import { LeaderMovingError } from '../../core/errors';
import { contextFrom, inSpan, SpanKind, SpanStatusCode } from '../../observability/tracing';
import { asAnswerable, errorBody } from './error-body';
import type { HttpEvent, HttpHandler, HttpResult } from './http-types';

/**
 * HTTP concerns live here and only here (Middy-style): request ids, JSON error bodies, header
 * lookup and body decoding. Route handlers receive plain values and throw ReplogErrors.
 */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResult(error: ReplogError, requestId: string): HttpResult {
  const extraHeaders: Record<string, string> = error.status === 405 ? { allow: String(error.details?.allow ?? '') } : {};
  // A write refused while leadership moves can come back once the move is done.
  if (error instanceof LeaderMovingError) extraHeaders['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  return json(error.status, { error: { ...errorBody(error), requestId } }, { 'x-request-id': requestId, ...extraHeaders });
}

export function header(event: { headers?: Record<string, string | undefined> }, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

export function bodyText(event: HttpEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * Every route runs inside a server span named after its route (`PUT /items/{key}`), continuing
 * the trace a caller's `traceparent` header names: the root of a write's trace, whose commit,
 * produce, confirmation and follower apply are its descendants. A 4xx is the client's answer and
 * leaves the span unfailed; a 5xx fails it.
 */
export function withHttpEdge(log: () => Log, route: string, handler: HttpHandler): HttpHandler {
  const [method] = route.split(' ');
  const traced: HttpHandler = (event) =>
    inSpan(
      route,
      {
        kind: SpanKind.SERVER,
        parent: contextFrom(event.headers ?? {}),
        attributes: { 'http.request.method': method ?? '', 'http.route': route.slice((method ?? '').length + 1), 'url.path': event.rawPath ?? '' },
      },
      async (span) => {
        const result = await answer(event);
        span.setAttribute('http.response.status_code', result.statusCode ?? 200);
        if ((result.statusCode ?? 200) >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return result;
      },
    );
  const answer: HttpHandler = async (event) => {
    const requestId = event.requestContext?.requestId || randomUUID();
    const started = Date.now();
    try {
      const result = await handler(event);
      result.headers = { ...result.headers, 'x-request-id': requestId };
      return result;
    } catch (error) {
      const known = asAnswerable(error);
      // 503/504 are answers the policy chose (broker down, replication unconfirmed), not bugs.
      const level = known.status === 503 || known.status === 504 ? 'warn' : known.status >= 500 ? 'error' : 'info';
      // The whole error, stack and causes included: what the answer leaves out is here.
      log()[level]('request failed', {
        route,
        requestId,
        status: known.status,
        code: known.code,
        key: event.pathParameters?.key,
        ms: Date.now() - started,
        error,
      });
      return errorResult(known, requestId);
    }
  };
  return traced;
}
