import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DomainEvent, EventBus, LiveHandler } from '@peerlink/platform/events/event-bus';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { readLiveFields, readViewerIndependentMarks } from '@peerlink/gateway/live/live-fields';
import { LiveServer } from '@peerlink/gateway/live/live-server';

const SDL = `
  directive @live(subject: String!, lookup: String!, key: String = "id", audience: String, audienceMaySee: Boolean =
    false, current: [String!], inline: String) on FIELD_DEFINITION
  directive @viewerIndependent on FIELD_DEFINITION | OBJECT
  type Query { thing(id: ID!): Thing }
  type Thing { id: ID!, state: String! @viewerIndependent }
  type Subscription {
    thingUpdated(thingId: ID, current: Boolean = false): Thing!
      @live(subject: "things.thing.updated", lookup: "thing", audience: "recipientIds", current:
        ["thing(id: $thingId)"])
    thingStreamed: Thing! @live(subject: "things.thing.streamed", lookup: "thing", audience: "recipientIds",
      audienceMaySee: true, inline: "snapshot")
  }
`;

/** A bus with live fan-out only, and a count of listeners, so a test can see one left behind. */
class Bus implements Pick<EventBus, 'listen' | 'signal' | 'head'> {
  readonly listeners = new Set<LiveHandler>();
  private position = 0;
  async listen(_name: string, handler: LiveHandler) {
    this.listeners.add(handler);
    return async () => void this.listeners.delete(handler);
  }
  async head() {
    return this.position;
  }
  async signal(name: string, payload: object) {
    for (const listener of this.listeners)
      listener({
        id: `s${Math.random()}`,
        name,
        occurredAt: new Date().toISOString(),
        payload: payload as Record<string, unknown>,
      });
  }
  emit(payload: Record<string, unknown>) {
    const event: DomainEvent = {
      id: `e${Math.random()}`,
      name: 'things.thing.updated',
      occurredAt: new Date().toISOString(),
      payload,
    };
    const position = ++this.position;
    for (const listener of this.listeners) listener(event, position);
  }
}

interface Running {
  live: LiveServer;
  client: Client;
  bus: Bus;
  http: Server;
}
let running: Running | null = null;
afterEach(async () => {
  await running?.client.dispose();
  await running?.live.close();
  await new Promise((resolve) => running?.http.close(resolve));
  running = null;
});

/** A gateway live server whose queries `answer` decides; a thing is "t1", owned by "u1". */
async function start(
  answer: (query: string, variables: Record<string, unknown>, bus: Bus) => Promise<FormattedExecutionResult>,
): Promise<Running> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const bus = new Bus();
  const apiSchema = buildSchema(SDL);
  const live = new LiveServer({
    httpServer: http,
    path: '/graphql',
    bus: bus as never,
    logger: { warn() {}, error() {}, info() {} } as never,
    schema: () => ({ apiSchema, liveFields: readLiveFields(SDL), viewerIndependent: readViewerIndependentMarks(SDL) }),
    validationRules: [],
    maxTokens: 1000,
    maxCost: 0,
    maxSubscriptionsPerConnection: 10,
    maxSubscriptionsPerUser: 10,
    maxSubscriptionsPerAddress: 10,
    maxConnectionsPerAddress: 10,
    clientAddress: () => '127.0.0.1',
    clientOrigin: () => undefined,
    originAllowed: () => true,
    queueSize: 10,
    stallMs: 1000,
    authenticate: async () => ({
      viewer: { userId: 'u1', sessionId: 's1', roles: [] },
      expiresAt: new Date(Date.now() + 60_000),
    }),
    currentRoles: async (viewer) => viewer,
    execute: (query, variables) => answer(query, variables ?? {}, bus),
    rateLimit: async () => 0,
  });
  const { port } = http.address() as AddressInfo;
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: 'Bearer any' },
    retryAttempts: 0,
    lazy: true,
  });
  running = { live, client, bus, http };
  return running;
}

function watch(client: Client, query: string) {
  const seen = { results: [] as unknown[], error: undefined as unknown };
  client.subscribe(
    { query },
    {
      next: (r) => void seen.results.push(r.data),
      error: (e) => {
        seen.error = e;
      },
      complete: () => {},
    },
  );
  return seen;
}

describe('current state first', () => {
  it('listens before it reads, so a change committed during the read still arrives after it', async () => {
    const { client } = await start(async (_query, variables, bus) => {
      if ('__current_thingId' in variables) {
        // A change commits while the current state is being read; the read saw the state before it.
        bus.emit({ id: 't1', thingId: 't1', recipientIds: ['u1'] });
        return { data: { thingUpdated: { id: variables.__current_thingId, state: 'before' } } };
      }
      return { data: { thingUpdated: { id: variables.__liveId, state: 'after' } } };
    });
    const seen = watch(client, 'subscription { thingUpdated(thingId: "t1", current: true) { id state } }');
    await waitFor('the state and the change', () => seen.results.length >= 2);
    expect(seen.results).toEqual([
      { thingUpdated: { id: 't1', state: 'before' } },
      { thingUpdated: { id: 't1', state: 'after' } },
    ]);
  });

  it('ends with the read’s own error when the viewer may not see the thing, and stops listening', async () => {
    const { client, bus, live } = await start(async () => ({
      data: null,
      errors: [{ message: 'Thing not found.', extensions: { code: 'NOT_FOUND' } }],
    }));
    const seen = watch(client, 'subscription { thingUpdated(thingId: "t2", current: true) { id } }');
    await waitFor('the refusal', () => seen.error);
    expect(seen.error).toEqual([
      expect.objectContaining({ message: 'Thing not found.', extensions: { code: 'NOT_FOUND' } }),
    ]);
    expect(seen.results).toEqual([]);
    await waitFor('nothing left listening', () => bus.listeners.size === 0 && live.subscriptionsOf('u1') === 0);
  });

  it('refuses `current` with nothing named, before anything listens', async () => {
    const { client, bus } = await start(async () => ({ data: null }));
    const seen = watch(client, 'subscription { thingUpdated(current: true) { id } }');
    await waitFor('the refusal', () => seen.error);
    expect(seen.error).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } })]);
    expect(bus.listeners.size).toBe(0);
  });
});

describe('signals that carry their answer', () => {
  it('are answered from the payload, each as it stands (a burst of one key is not merged), and only for their audience', async () => {
    let lookups = 0;
    const { client, bus, live } = await start(async (_query, variables) => {
      lookups += 1;
      return { data: { thingStreamed: { id: variables.__liveId, state: 'looked up' } } };
    });
    const seen = watch(client, 'subscription { thingStreamed { id state } }');
    await waitFor('the subscription', () => live.subscriptionsOf('u1') === 1);

    await bus.signal('things.thing.streamed', {
      id: 't1',
      recipientIds: ['u2'],
      snapshot: { id: 't1', state: 'not for u1' },
    });
    for (let token = 0; token < 20; token++) {
      await bus.signal('things.thing.streamed', {
        id: 't1',
        recipientIds: ['u1'],
        snapshot: { id: 't1', state: `token ${token}` },
      });
    }
    await waitFor('every token', () => seen.results.length >= 20);
    expect(seen.results).toEqual(
      Array.from({ length: 20 }, (_, token) => ({ thingStreamed: { id: 't1', state: `token ${token}` } })),
    );
    expect(lookups).toBe(0);
  });
});
