import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../src/testing/wait-for.js';
import { statementShape } from '../src/graphql/instrumentation.js';
import { contextFrom, startTracing, traceCarrier } from '../src/tracing.js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

describe('startTracing', () => {
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  afterEach(() => {
    if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
  });

  it('keeps no trace without an endpoint: nothing to carry across a hop', () => {
    expect(startTracing('peerlink-test', {})).toBeNull();
    const span = trace.getTracer('t').startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    expect(traceCarrier(trace.setSpan(context.active(), span))).toBeUndefined();
  });

  it('exports spans over OTLP/HTTP to the endpoint, named by service', async () => {
    const received: { path: string; body: string }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    const tracing = startTracing('peerlink-otlp-test', { endpoint })!;
    try {
      trace.getTracer('peerlink').startSpan('exported span').end();
      await tracing.shutdown();
      const [sent] = await waitFor('the OTLP request', () => (received.length ? received : undefined));
      expect(sent!.path).toBe('/v1/traces');
      expect(sent!.body).toContain('exported span');
      expect(sent!.body).toContain('peerlink-otlp-test');
    } finally {
      server.close();
    }
  });

  it('carries trace context only: a client’s baggage goes no further, and its "not sampled" does not stop ours', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing('peerlink-test', { processor: new SimpleSpanProcessor(exporter) })!;
    try {
      const client = contextFrom({
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
        baggage: 'secret=do-not-forward',
      });
      const span = trace.getTracer('peerlink').startSpan('handled', {}, client);
      expect(span.isRecording()).toBe(true);
      const carried = traceCarrier(trace.setSpan(client, span))!;
      expect(Object.keys(carried)).toEqual(['traceparent']);
      expect(carried.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
      span.end();
    } finally {
      await tracing.shutdown();
    }
  });
});

describe('statementShape', () => {
  it('takes every value out of a statement and leaves its names and keywords', () => {
    expect(
      statementShape(
        `insert into "chat".outbox (id, payload, n) values ('0190-…', '{"email":"ada@x.org","it''s":1}', 42), ` +
          `(E'line\\'s', $$raw text$$, -3.5e2) returning t1."col2"`,
      ),
    ).toBe('insert into "chat".outbox (id, payload, n) values (?, ?, ?), (?, ?, ?) returning t1."col2"');
    expect(statementShape('select * from a where b = ? limit 20')).toBe('select * from a where b = ? limit ?');
  });
});
