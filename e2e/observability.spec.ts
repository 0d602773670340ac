import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '@peerlink/platform/tracing';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeDocument } from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { ok } from './support/client.js';
import { member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';

// Every process of the stack runs in this one, so one in-memory exporter sees every hop's spans.
const exporter = new InMemorySpanExporter();
const tracing = startTracing('peerlink-test', { processor: new SimpleSpanProcessor(exporter) })!;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
  await tracing.shutdown();
});

const { openDirect, send, subscribe } = chatHelpers(() => t);

/** Prometheus text: the value of the first sample named `name` whose labels include every pair in `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const metricsOf = async (url: string) => {
  const response = await fetch(url.replace(/\/graphql$/, '/metrics'));
  expect(response.status).toBe(200);
  return response.text();
};

describe('tracing', () => {
  it('follows one sendMessage from the request to the recipient’s subscription under one trace id', async () => {
    const [ada, bob] = [await member(t, 'trace'), await member(t, 'trace')];
    const conversation = await openDirect(ada, bob);
    const bobLive = await subscribe(bob, conversation.id);
    exporter.reset();

    const sent = await send(ada, conversation.id, 'where did the time go?');
    await waitFor('the message on bob’s subscription', () =>
      bobLive.subscription.results.find((r) => r.data?.chatEvent?.message?.id === sent.id),
    );

    const spans = exporter.getFinishedSpans();
    const resolver = spans.find((s) => s.name === 'Mutation.sendMessage');
    expect(resolver, 'the chat resolver span').toBeDefined();
    const traceId = resolver!.spanContext().traceId;
    // The delivery span ends once bob has the message; the consumers may still be at work: wait for them too.
    const trace = await waitFor('every hop of the trace', () => {
      const inTrace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const names = new Set(inTrace.map((s) => s.name));
      const wanted = [
        'POST /graphql',
        'gateway.request',
        'Mutation.sendMessage',
        'chat.event publish',
        'chatEvent deliver',
      ];
      const consumed = inTrace.some((s) => s.name.endsWith(' process'));
      return wanted.every((name) => names.has(name)) && consumed ? inTrace : undefined;
    });

    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? '');
    const chain = (span: ReadableSpan) => {
      const names: string[] = [];
      for (let at: ReadableSpan | undefined = span; at; at = parentOf(at)) names.unshift(at.name);
      return names;
    };
    // The gateway's own span and the subgraph's server span are both under the client request's span.
    const roots = trace.filter((s) => !parentOf(s));
    expect(roots.map((s) => s.name)).toEqual(['POST /graphql']);
    const mutation = trace.find((s) => s.name === 'Mutation.sendMessage')!;
    expect(chain(mutation)).toEqual(
      expect.arrayContaining(['POST /graphql', 'gateway.request', 'Mutation.sendMessage']),
    );
    expect(chain(mutation).filter((name) => name === 'POST /graphql')).toHaveLength(2);
    // Its SQL nests under the resolver, the insert among it.
    expect(trace.some((s) => s.name === 'sql insert' && chain(s).includes('Mutation.sendMessage'))).toBe(true);
    // Outbox → bus → consumer: the consumer's span continues the producer's.
    const consumer = trace.find((s) => s.name.endsWith(' process'))!;
    expect(chain(consumer)).toEqual(
      expect.arrayContaining(['Mutation.sendMessage', expect.stringMatching(/ publish$/)]),
    );
    expect(consumer.attributes['messaging.consumer.group.name']).toEqual(expect.any(String));
    // …and the live delivery to bob hangs under the chat.event the resolver published.
    const delivery = trace.find((s) => s.name === 'chatEvent deliver')!;
    expect(chain(delivery)).toEqual(
      expect.arrayContaining(['POST /graphql', 'Mutation.sendMessage', 'chat.event publish', 'chatEvent deliver']),
    );
    // No span holds what the users wrote or who they are: SQL has its values taken out, failures their messages.
    const told = JSON.stringify(
      trace.map((s) => ({ attributes: s.attributes, status: s.status, events: s.events.map((e) => e.attributes) })),
    );
    for (const secret of ['where did the time go?', ada.username, bob.username]) expect(told).not.toContain(secret);
    expect(trace.find((s) => s.name === 'sql insert')!.attributes['db.query.text']).toMatch(/values \(\?/);
    bobLive.close();
  });

  it('continues a client’s own trace given in a traceparent header', async () => {
    const ada = await member(t, 'trace');
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(t.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${ada.token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect((await response.json()).data.me.id).toBe(ada.id);
    const spans = await waitFor('the identity resolver span', () => {
      const found = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return found.some((s) => s.name === 'Query.me') ? found : undefined;
    });
    // The gateway's own server span continues the client's: its parent is the client's span.
    const roots = spans.filter((s) => s.name === 'POST /graphql' && s.parentSpanContext?.spanId === '00f067aa0ba902b7');
    expect(roots).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('every subgraph serves its requests, resolvers, outbox, consumers and pool at /metrics', async () => {
    const ada = await member(t, 'metrics');
    await ok(t.url, MeDocument, {}, ada.token);
    for (const subgraph of t.stack.subgraphs) {
      const text = await metricsOf(subgraph.url);
      const labels = { subgraph: subgraph.name };
      expect(sample(text, 'peerlink_outbox_backlog', labels), subgraph.name).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'peerlink_outbox_oldest_age_seconds', labels), subgraph.name).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'peerlink_process_cpu_user_seconds_total'), subgraph.name).toBeGreaterThan(0);
      expect(text).toContain('# TYPE peerlink_resolver_duration_seconds histogram');
      expect(text).toContain('# TYPE peerlink_db_pool_connections gauge');
    }
    const identity = await metricsOf(t.stack.subgraphs.find((s) => s.name === 'identity')!.url);
    expect(
      sample(identity, 'peerlink_resolver_duration_seconds_count', { subgraph: 'identity', field: 'Query.me' }),
    ).toBeGreaterThan(0);
    expect(
      sample(identity, 'peerlink_subgraph_requests_total', { subgraph: 'identity', type: 'query' }),
    ).toBeGreaterThan(0);
    // Sign-ups made identity publish, and chat consumed what it published: both sides are counted.
    expect(sample(identity, 'peerlink_events_published_total', { subgraph: 'identity' })).toBeGreaterThan(0);
    const chat = await metricsOf(t.stack.subgraphs.find((s) => s.name === 'chat')!.url);
    await waitFor(
      'chat to have handled identity’s events',
      async () =>
        (sample(
          await metricsOf(t.stack.subgraphs.find((s) => s.name === 'chat')!.url),
          'peerlink_events_handled_total',
          {
            subgraph: 'chat',
            outcome: 'ok',
          },
        ) ?? 0) > 0,
    );
    expect(sample(chat, 'peerlink_event_consumer_lag', { subgraph: 'chat' })).toBeGreaterThanOrEqual(0);
    expect(sample(chat, 'peerlink_db_pool_connections', { subgraph: 'chat', state: 'free' })).toBeGreaterThanOrEqual(0);
  });

  it('counts a subgraph’s errors by code', async () => {
    const identity = t.stack.subgraphs.find((s) => s.name === 'identity')!;
    const wrongPassword = async () => {
      const response = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation { createSession(input: { login: "nobody-here", password: "wrong-wrong" }) { accessToken } }',
        }),
      });
      return (await response.json()).errors[0].extensions.code as string;
    };
    const code = await wrongPassword();
    const counted = async () =>
      sample(await metricsOf(identity.url), 'peerlink_subgraph_errors_total', { subgraph: 'identity', code }) ?? 0;
    const before = await counted();
    expect(before).toBeGreaterThan(0);
    expect(await wrongPassword()).toBe(code);
    expect(await counted()).toBe(before + 1);
  });
});
