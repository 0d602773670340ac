import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  ChatEventsDocument,
  ChatTypingDocument,
  ChatTypingWithUnreadDocument,
  MarkReadDocument,
  SetTypingDocument,
  type ChatTypingSubscription,
} from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { ok } from './support/client.js';
import { member, type Member } from './support/social.js';
import { services, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
let nats: NatsConnection;
let db: pg.Client;
beforeAll(async () => {
  t = await startTestStack();
  nats = await connect({ servers: services.nats });
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await nats?.close();
  await t?.stop();
});

const { openDirect, createGroup, send, subscribe } = chatHelpers(() => t);

const typing = (who: Member, conversationId: string) => ok(t.url, SetTypingDocument, { conversationId }, who.token);

/** A counter from the gateway's /metrics: the sum over the series whose labels include `labels`. */
async function counter(name: string, labels: Record<string, string> = {}) {
  const text = await (await fetch(new URL('/metrics', t.url))).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => wanted.every((pair) => line.includes(pair)))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** Lookup queries the gateway ran through its federated pipeline for one subscription operation. */
const lookups = (operation: string) => counter('peerlink_graphql_requests_total', { operation, type: 'query' });
const inlineDeliveries = () => counter('peerlink_live_deliveries_total', { resolved: 'inline' });

/**
 * What chat ever wrote through its outbox (the sequence outlives the relayed rows) and what the stream holds of
 * `chat.event`.
 */
async function stored() {
  const outbox = await db.query<{ last_value: string; is_called: boolean }>(
    'select last_value, is_called from chat.outbox_seq_seq',
  );
  const subject = `${t.namespace}.events.chat.event`;
  const info = await (await jetstreamManager(nats)).streams.info(`${t.namespace.toUpperCase()}_EVENTS`, {
    subjects_filter: subject,
  });
  return {
    outboxRows: outbox.rows[0]!.is_called ? Number(outbox.rows[0]!.last_value) : 0,
    streamMessages: info.state.subjects?.[subject] ?? 0,
  };
}

describe('live-only signals', () => {
  it('reach the conversation’s other members over graphql-ws from the signal itself: no lookup, no outbox row, nothing in the stream, no one else', async () => {
    const [owner, a, b, outsider, outsidersFriend] = await Promise.all([
      member(t, 'sig'),
      member(t, 'sig'),
      member(t, 'sig'),
      member(t, 'sig'),
      member(t, 'sig'),
    ]);
    const group = await createGroup(owner, 'Signals', [a, b]);
    const own = await openDirect(outsider, outsidersFriend);
    const aLive = await subscribe(a, group.id, ChatTypingDocument);
    const bLive = await subscribe(b, undefined, ChatTypingDocument);
    const ownerLive = await subscribe(owner, undefined, ChatTypingDocument);
    const outsiderLive = await subscribe(outsider, undefined, ChatTypingDocument);
    const before = { stored: await stored(), lookups: await lookups('ChatTyping'), inline: await inlineDeliveries() };

    await typing(owner, group.id);
    for (const live of [aLive, bLive]) {
      const event = await waitFor('the typing signal', () => live.subscription.results[0]);
      expect(event).toEqual({
        data: {
          chatEvent: {
            __typename: 'ChatEvent',
            id: expect.any(String),
            kind: 'TYPING',
            conversation: { id: group.id },
            typist: { id: owner.id },
          },
        },
      });
    }
    // Signals of one sender keep their order on the way: once the later one is in, the earlier one would be too.
    await typing(outsidersFriend, own.id);
    await typing(b, group.id);
    await waitFor('the outsider’s own typing signal', () => outsiderLive.subscription.results.length > 0);
    await waitFor('b’s typing signal, for the owner', () => ownerLive.subscription.results.length > 0);
    const typists = (live: { subscription: { results: { data?: ChatTypingSubscription | null }[] } }) =>
      live.subscription.results.map((r) => r.data?.chatEvent!.typist?.id);
    expect(typists(outsiderLive)).toEqual([outsidersFriend.id]);
    expect(typists(ownerLive)).toEqual([b.id]);
    await waitFor('b’s typing signal, for a', () => aLive.subscription.results.length === 2);
    expect(typists(aLive)).toEqual([owner.id, b.id]);
    expect(typists(bLive)).toEqual([owner.id]);

    // Five deliveries, all from the signals themselves: the subgraph was never asked, and nothing was kept.
    expect((await inlineDeliveries()) - before.inline).toBe(5);
    expect((await lookups('ChatTyping')) - before.lookups).toBe(0);
    expect(await stored()).toEqual(before.stored);
    await Promise.all([aLive, bLive, ownerLive, outsiderLive].map((live) => live.close()));
  });

  it('are looked up as usual for a selection they do not answer alike for everyone', async () => {
    const [owner, a, b] = await Promise.all([member(t, 'sig'), member(t, 'sig'), member(t, 'sig')]);
    const group = await createGroup(owner, 'Mixed', [a, b]);
    const sent = await send(b, group.id, 'read by a, not by owner');
    await ok(t.url, MarkReadDocument, { conversationId: group.id, upToMessageId: sent.id }, a.token);
    // unreadCount differs per member; username is the same for all but not in the signal.
    const aUnread = await subscribe(a, group.id, ChatTypingWithUnreadDocument);
    const ownerUnread = await subscribe(owner, group.id, ChatTypingWithUnreadDocument);
    const aFull = await subscribe(a, group.id, ChatEventsDocument);
    const ownerInline = await subscribe(owner, group.id, ChatTypingDocument);
    const before = {
      unread: await lookups('ChatTypingWithUnread'),
      full: await lookups('ChatEvents'),
      inline: await inlineDeliveries(),
    };

    await typing(b, group.id);
    const [forA, forOwner, full, inline] = await Promise.all(
      [aUnread, ownerUnread, aFull, ownerInline].map((live) =>
        waitFor('the typing signal', () => live.subscription.results[0]),
      ),
    );
    expect(forA).toEqual({
      data: { chatEvent: { kind: 'TYPING', user: { id: b.id }, conversation: { id: group.id, unreadCount: 0 } } },
    });
    expect(forOwner).toEqual({
      data: { chatEvent: { kind: 'TYPING', user: { id: b.id }, conversation: { id: group.id, unreadCount: 1 } } },
    });
    expect(full?.data?.chatEvent).toMatchObject({
      kind: 'TYPING',
      conversation: { id: group.id, title: 'Mixed' },
      user: { username: b.username },
    });
    expect(inline?.data?.chatEvent).toMatchObject({ kind: 'TYPING', typist: { id: b.id } });

    expect((await lookups('ChatTypingWithUnread')) - before.unread).toBe(2);
    expect((await lookups('ChatEvents')) - before.full).toBe(1);
    expect((await inlineDeliveries()) - before.inline).toBe(1);
    await Promise.all([aUnread, ownerUnread, aFull, ownerInline].map((live) => live.close()));
  });
});
