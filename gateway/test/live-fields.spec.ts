import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLiveFields } from '@peerlink/gateway/live/live-fields';

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
      type Query { notification(id: ID!): Notification, post(id: ID!): Post, ping: String @live(subject: "not.a.subscription", lookup: "ping") }
      type Notification { id: ID! }
      type Post { id: ID! }
      type Subscription {
        notificationAdded: Notification! @live(subject: "notifications.notification.created", lookup: "notification", audience: "recipientId")
        postActivity(postId: ID!): Post! @live(subject: "posts.post.commented", lookup: "post", key: "postId")
        notServed: String
      }
      extend type Subscription {
        postPublished: Post! @live(subject: "posts.post.published", lookup: "post")
      }
    `);

    expect([...fields.keys()]).toEqual(['notificationAdded', 'postActivity', 'postPublished']);
    expect(fields.get('notificationAdded')).toEqual(NOTIFICATION_ADDED);
    expect(fields.get('postActivity')).toEqual({ field: 'postActivity', subject: 'posts.post.commented', lookup: 'post', key: 'postId' });
    expect(fields.get('postPublished')).toEqual({ field: 'postPublished', subject: 'posts.post.published', lookup: 'post', key: 'id' });
  });

  it('finds nothing in a schema without subscriptions', () => {
    expect(readLiveFields('type Query { hello: String }').size).toBe(0);
  });

  it('reads the fields the committed supergraph declares', () => {
    const fields = readLiveFields(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'));
    expect(fields.get('notificationAdded')).toEqual(NOTIFICATION_ADDED);
  });
});
