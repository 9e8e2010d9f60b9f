import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ErrorBody } from '../api/error-schemas';
import { clientError, type ReplogClientError } from './errors';

/** How the client backs off before sending a call again (full jitter: a pause is random in [0, the step]). */
export interface RetryPolicy {
  /** Attempts in all, the first included (1: never retry). Default 5. */
  attempts: number;
  /** The first step (ms); each later one doubles, up to maxDelayMs. Default 100. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 2000 };

export interface RetryEvent {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  error: ReplogClientError;
}

export interface TransportOptions {
  url: string;
  apiKey?: string;
  /** Per request, ms. Default 30 000. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Told before each retry (logging, metrics, tests). */
  onRetry?: (event: RetryEvent) => void;
  fetch?: typeof fetch;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Request {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string | undefined>;
  body?: unknown;
  /** Writes: whether sending it again can write twice. The client's writes carry a writeId, so they cannot. */
  idempotent: boolean;
  /** What the next attempt sends after `failure` (default: the same request). */
  adjust?: (failure: ReplogClientError, current: Request) => Request;
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
  attempts: number;
}

// Codes a 4xx answers that say "send it again": the writer's term ended and nothing was kept.
const RETRIABLE_4XX = new Set(['NOT_LEADER']);

/**
 * One HTTP exchange with retries: a retriable answer (503, NOT_LEADER) or no answer at all is
 * sent again with backoff, at most `attempts` times, if the call is idempotent (reads, and the
 * client's writes, whose writeId makes the server answer a second attempt from the first).
 * LEADER_MOVING's Retry-After is waited out when it is longer than the backoff. Every answer is
 * parsed with the contract's own zod schema: a body that does not fit is an error, not a value.
 */
export class Transport {
  private readonly retry: RetryPolicy;
  private readonly fetch: typeof fetch;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TransportOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.fetch = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async send<S extends z.ZodType>(request: Request, schema: S): Promise<Answer<z.infer<S>>> {
    let current = request;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(current, schema, attempt);
      } catch (error) {
        const failure = error as ReplogClientError;
        if (!failure.retrySafe || !request.idempotent || attempt >= this.retry.attempts) throw failure;
        const step = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        const retryAfterMs = typeof failure.details?.retryAfterMs === 'number' ? failure.details.retryAfterMs : 0;
        const delayMs = Math.max(Math.round(this.random() * step), Math.min(retryAfterMs, this.retry.maxDelayMs));
        this.options.onRetry?.({ method: request.method, path: request.path, attempt, delayMs, error: failure });
        await this.sleep(delayMs);
        current = request.adjust?.(failure, current) ?? current;
      }
    }
  }

  private async once<S extends z.ZodType>(request: Request, schema: S, attempt: number): Promise<Answer<z.infer<S>>> {
    const url = new URL(request.path.replace(/^\//, ''), this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`);
    for (const [k, v] of Object.entries(request.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [k, v] of Object.entries(request.headers ?? {})) if (v !== undefined) headers[k] = v;
    if (this.options.apiKey !== undefined) headers['x-api-key'] = this.options.apiKey;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await res.text();
    } catch (cause) {
      // No answer: a read can be sent again; so can a write, whose writeId the server knows it by.
      throw clientError(
        { code: 'NETWORK', status: undefined, message: `${request.method} ${request.path}: no answer (${(cause as Error)?.message ?? cause})`, details: { committedOnLeader: request.method === 'GET' ? false : null }, retriable: true, requestId: undefined, attempts: attempt },
        cause,
      );
    }
    const json = parseJson(text);
    if (!res.ok) throw errorOf(res, json, request, attempt);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw clientError({
        code: 'INTERNAL',
        status: res.status,
        message: `${request.method} ${request.path}: the answer does not fit the API's schema: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
        details: undefined,
        retriable: false,
        requestId: res.headers.get('x-request-id') ?? undefined,
        attempts: attempt,
      });
    }
    return { status: res.status, headers: res.headers, body: parsed.data, attempts: attempt };
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

function errorOf(res: Response, json: unknown, request: Request, attempt: number): ReplogClientError {
  const parsed = ErrorBody.safeParse(json);
  const requestId = res.headers.get('x-request-id') ?? undefined;
  if (!parsed.success) {
    // Not replog's answer (a proxy, a gateway): only a 502/503/504 is worth another attempt.
    return clientError({
      code: res.status >= 500 ? 'UNAVAILABLE' : 'BAD_REQUEST',
      status: res.status,
      message: `${request.method} ${request.path}: HTTP ${res.status} without replog's error body`,
      details: undefined,
      retriable: res.status === 502 || res.status === 503 || res.status === 504,
      requestId,
      attempts: attempt,
    });
  }
  const e = parsed.data.error;
  const retryAfter = Number(res.headers.get('retry-after'));
  return clientError({
    code: e.code,
    status: res.status,
    message: e.message,
    details: { ...e.details, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) },
    retriable: res.status >= 500 ? e.retriable === true : RETRIABLE_4XX.has(e.code),
    requestId: e.requestId ?? requestId,
    attempts: attempt,
  });
}

/** A fresh writeId for a call that does not name one. */
export const newWriteId = (): string => randomUUID();
