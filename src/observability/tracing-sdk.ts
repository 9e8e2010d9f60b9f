import { hostname } from 'node:os';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from '../config/config';

export interface Tracing {
  /** Exports what is buffered, then takes the SDK out of the process's global OTel API. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for a local process, when configured: OTLP/HTTP to
 * `tracing.otlpEndpoint` with a batching processor, W3C trace context, the async-hooks context
 * manager (the active span follows the awaits of a request). `exporter` replaces OTLP (a test's
 * in-memory exporter, exported span by span). Neither: nothing is started and undefined returned.
 *
 * The exporter is given its URL here, so the SDK reads no OTLP variable itself: config.ts is the
 * one reader of the environment.
 */
export function startTracing(settings: Config['tracing'], options: { role: string; exporter?: SpanExporter }): Tracing | undefined {
  if (options.exporter === undefined && settings.otlpEndpoint === undefined) return undefined;
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.otlpEndpoint }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.instance.id': `${hostname()}:${process.pid}`,
      'process.pid': process.pid,
      'replog.role': options.role,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [processor],
  });
  provider.register();
  return {
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
