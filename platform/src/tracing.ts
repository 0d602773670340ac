import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { NextFunction, Request, Response } from 'express';

/**
 * OpenTelemetry tracing across every hop: a client's request through the gateway, each subgraph's
 * resolvers and SQL, the outbox, the bus (the context rides in the event's headers), the consumer that
 * handles the event, and the live subscription that delivers it. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is
 * set: without a registered provider every span below is a no-op that costs next to nothing.
 */

/** W3C trace context (`traceparent`, `tracestate`), as carried in an event's headers. */
export type TraceCarrier = Record<string, string>;

export const tracer = (): Tracer => trace.getTracer('peerlink');

/**
 * Registers this process's tracer provider, exporting over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter
 * reads the OTEL_EXPORTER_OTLP_* variables itself). Tests pass their own processor (an in-memory exporter).
 */
export function startTracing(
  serviceName: string,
  options: { endpoint?: string; processor?: SpanProcessor } = {},
): { shutdown(): Promise<void> } | null {
  const processor = options.processor ?? (options.endpoint ? new BatchSpanProcessor(new OTLPTraceExporter()) : null);
  if (!processor) return null;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
    // A client's "not sampled" flag does not switch our tracing off; our own spans follow their parent's decision.
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler(), remoteParentNotSampled: new AlwaysOnSampler() }),
  });
  // Trace context only: a client's `baggage` header would otherwise ride into every internal request, outbox row
  // and event. Also registers the AsyncLocalStorage context manager.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** The current span's context, to carry across a process boundary; undefined when there is none to carry. */
export function traceCarrier(from: Context = context.active()): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(from, carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a carrier names: a span started in it continues the carrier's trace. */
export const contextFrom = (carrier: TraceCarrier | undefined | null): Context =>
  carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;

/** Runs `work` under a new active span and ends it when `work` settles, recording a failure. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Marks a span failed by the error's kind and code only: messages may quote what the user sent, and a database
 * driver's quote the statement with its values.
 */
export function failed(span: Span, error: unknown) {
  const { name = 'Error', code } = (error ?? {}) as { name?: string; code?: unknown };
  const kind = code === undefined ? String(name) : `${name} ${String(code)}`;
  span.recordException({ name: String(name), ...(code === undefined ? {} : { code: String(code) }) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
}

/**
 * Express middleware for an HTTP endpoint that continues the caller's trace: a server span from the request's
 * `traceparent`, active for everything the request does. Mounted after the body is parsed, since the parser's
 * stream callbacks would run outside the context.
 */
export function tracedRequests(name: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(
      `${req.method} ${name}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.on('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

export { SpanKind };
