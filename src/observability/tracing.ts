import { type Attributes, type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * The spans of a write, through @opentelemetry/api only: without an SDK (tracing off, the
 * default) every call here is a no-op on a non-recording span. Which SDK runs, if any, is decided
 * once per process (observability/tracing-sdk.ts locally; the ADOT layer in Lambda). src/core
 * never sees any of it: the spans are opened at the edges and in the adapters.
 */
const TRACER = 'replog';

export { SpanKind, SpanStatusCode };

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent: a context extracted from a carrier (an HTTP request, a Kafka record); default the active one. */
  parent?: Context;
}

/**
 * Runs `work` inside a new active span and ends it when `work` settles. A thrown error is
 * recorded on the span and marks it failed, unless `failed` says the error is an expected answer
 * (a 4xx is the client's, not the server's, fault).
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>, failed: (error: unknown) => boolean = () => true): Promise<T> {
  const tracer = trace.getTracer(TRACER);
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (failed(error)) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span that the caller ends itself (a produce whose answer comes back through a callback). */
export function startSpan(name: string, options: SpanOptions): Span {
  return trace.getTracer(TRACER).startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    options.parent ?? context.active(),
  );
}

export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** The W3C `traceparent` (and `tracestate`) of `span`, for a Kafka record's headers; empty when tracing is off. */
export function traceHeaders(span: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier;
}

/** The trace context a carrier (HTTP headers, Kafka record headers) brings; the root context when it brings none. */
export function contextFrom(carrier: Record<string, string | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier);
}
