import type { PubSub } from 'type-graphql';

/**
 * Subscriptions are declared in the subgraph that owns their data but served by the gateway:
 * `@live` on a Subscription field names the event subject that triggers it and the Query field the
 * gateway calls with the event's entity id to resolve the subscriber's selection set.
 *
 *   subject  the event name, e.g. "notifications.notification.created"
 *   lookup   a Query field taking `id: ID!`, e.g. "notification"
 *   key      the payload field holding that id (default "id")
 *   audience the payload field holding the user id(s) allowed to receive it; omitted = anyone who
 *            passes the lookup's own authorization
 * Every argument of the subscription field that the client sets must equal the payload field of the
 * same name (e.g. `postActivity(postId:)`).
 */
export const LIVE_SPEC_URL = 'https://peerlink.dev/live/v0.1';

export const LIVE_DIRECTIVE_SDL =
  'directive @live(subject: String!, lookup: String!, key: String = "id", audience: String) on FIELD_DEFINITION';

export interface LiveOptions {
  subject: string;
  lookup: string;
  key?: string;
  audience?: string;
}

export function liveDirective(options: LiveOptions): string {
  const args = Object.entries(options).map(([name, value]) => `${name}: ${JSON.stringify(value)}`);
  return `@live(${args.join(', ')})`;
}

/** type-graphql insists on a PubSub for Subscription fields; subgraphs never run them. */
export const servedByGateway: PubSub = {
  publish() {
    throw new Error('Subscriptions are served by the gateway.');
  },
  subscribe() {
    throw new Error('Subscriptions are served by the gateway.');
  },
};
