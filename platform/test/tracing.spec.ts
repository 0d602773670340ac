import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../src/testing/wait-for.js';
import { startTracing, traceCarrier } from '../src/tracing.js';

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
});
