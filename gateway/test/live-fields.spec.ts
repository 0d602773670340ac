import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchema, parse, print } from 'graphql';
import {
  readLiveFields,
  readViewerIndependentMarks,
  selectsOnlyViewerIndependent,
} from '@peerlink/gateway/live/live-fields';

/** What notifications' @live declaration reads as, in the test schema and the committed supergraph alike. */
const NOTIFICATION_ADDED = {
  field: 'notificationAdded',
  subject: 'notifications.notification.created',
  lookup: 'notification',
  key: 'id',
  audience: 'recipientId',
};

describe('readLiveFields', () => {
  it('reads each @live Subscription field with its subject, lookup, key and audience', () => {
    const fields = readLiveFields(`
      directive @live(subject: String!, lookup: String!, key: String = "id", audience: String) on FIELD_DEFINITION
      type Query { notification(id: ID!): Notification, post(id: ID!): Post, ping: String @live(subject:
        "not.a.subscription", lookup: "ping") }
      type Notification { id: ID! }
      type Post { id: ID! }
      type Subscription {
        notificationAdded: Notification! @live(subject: "notifications.notification.created", lookup: "notification",
          audience: "recipientId")
        postActivity(postId: ID!): Post! @live(subject: "posts.post.commented", lookup: "post", key: "postId")
        notServed: String
      }
      extend type Subscription {
        postPublished: Post! @live(subject: "posts.post.published", lookup: "post")
      }
    `);

    expect([...fields.keys()]).toEqual(['notificationAdded', 'postActivity', 'postPublished']);
    expect(fields.get('notificationAdded')).toEqual(NOTIFICATION_ADDED);
    expect(fields.get('postActivity')).toEqual({
      field: 'postActivity',
      subject: 'posts.post.commented',
      lookup: 'post',
      key: 'postId',
    });
    expect(fields.get('postPublished')).toEqual({
      field: 'postPublished',
      subject: 'posts.post.published',
      lookup: 'post',
      key: 'id',
    });
  });

  it('reads the queries `current` names, and refuses one that is not a single query field', () => {
    const sdl = (current: string) => `
      type Query { order(id: ID!): Order }
      type Order { id: ID! }
      type Subscription { orderUpdated(orderId: ID, current: Boolean): Order! @live(subject: "o", lookup: "order",
        current: ${current}) }
    `;
    const [query] = readLiveFields(sdl('["order(id: $orderId)"]')).get('orderUpdated')!.current!;
    expect(print(query!)).toBe('order(id: $orderId)');
    expect(() => readLiveFields(sdl('["order(id: $orderId) { id }"]'))).toThrow(/orderUpdated/);
    expect(() => readLiveFields(sdl('["a b"]'))).toThrow(/orderUpdated/);
  });

  it('finds nothing in a schema without subscriptions', () => {
    expect(readLiveFields('type Query { hello: String }').size).toBe(0);
  });

  it('reads the fields the committed supergraph declares', () => {
    const fields = readLiveFields(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'));
    expect(fields.get('notificationAdded')).toEqual(NOTIFICATION_ADDED);
  });
});

describe('viewer-independent selections', () => {
  const sdl = `
    directive @viewerIndependent on FIELD_DEFINITION | OBJECT
    directive @live(subject: String!, lookup: String!, key: String = "id", audience: String, audienceMaySee: Boolean =
      false) on FIELD_DEFINITION
    type Query { eventById(id: ID!): Event }
    type Event @viewerIndependent { id: ID! kind: String message: Message }
    type Message { id: ID! body: String @viewerIndependent unreadCount: Int sender: User @viewerIndependent }
    type User { id: ID! displayName: String @viewerIndependent email: String }
    type Subscription {
      event: Event @live(subject: "e", lookup: "eventById", audience: "recipientIds", audienceMaySee: true)
      eventForSome: Event @live(subject: "e", lookup: "eventById", audience: "recipientIds")
      eventForAnyone: Event @live(subject: "e", lookup: "eventById", audienceMaySee: true)
    }
  `;
  const schema = buildSchema(sdl);
  const marks = readViewerIndependentMarks(sdl);
  const independent = (query: string) => selectsOnlyViewerIndependent(schema, parse(query), marks);

  it('reads marked types and fields', () => {
    expect(marks).toEqual({
      types: new Set(['Event']),
      fields: new Set(['Message.body', 'Message.sender', 'User.displayName']),
    });
  });

  it('holds when every field below the lookup is marked, an id or __typename', () => {
    expect(
      independent(
        'query ($id: ID!) { e: eventById(id: $id) { __typename id kind message { id body sender { displayName } } } }',
      ),
    ).toBe(true);
    expect(
      independent(
        'query ($id: ID!) { eventById(id: $id) { ...F } } fragment F on Event { message { ...M } } fragment ' +
          'M on Message { body }',
      ),
    ).toBe(true);
  });

  it('fails on any unmarked field, however deep or wherever a fragment puts it', () => {
    expect(independent('query ($id: ID!) { eventById(id: $id) { message { unreadCount } } }')).toBe(false);
    expect(independent('query ($id: ID!) { eventById(id: $id) { message { sender { email } } } }')).toBe(false);
    expect(
      independent('query ($id: ID!) { eventById(id: $id) { ...F } } fragment F on Event { message { unreadCount } }'),
    ).toBe(false);
    expect(
      independent('query ($id: ID!) { eventById(id: $id) { message { sender { displayName unknownField } } } }'),
    ).toBe(false);
  });

  it('lets a live field share lookups only when it names an audience that may see the event', () => {
    const fields = readLiveFields(sdl);
    expect(fields.get('event')?.audienceMaySee).toBe(true);
    expect(fields.get('eventForSome')?.audienceMaySee).toBeUndefined();
    // Without an audience there is nobody the event vouches for.
    expect(fields.get('eventForAnyone')?.audienceMaySee).toBeUndefined();
  });
});
