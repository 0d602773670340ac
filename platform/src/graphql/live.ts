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
 *   audienceMaySee  true when the subgraph names in `audience` only users allowed to see the event
 *            as it stands at commit. Then a selection of `@viewerIndependent` fields is resolved
 *            once, as one recipient, and the result is sent to every recipient: one federated
 *            lookup per event instead of one per subscriber.
 *   current  how to read the state as it is now, for clients that ask for it first: queries such as
 *            "order(id: $orderId)", where each `$name` is an argument of the subscription field.
 *            The field then takes `current: Boolean` (see CURRENT_ARGUMENT); the gateway uses the
 *            first query whose arguments the client set.
 *   inline   the payload field holding the answer itself, shaped as the lookup would return it
 *            (e.g. a typing signal's `{ id, kind, user: { id } }`). Only with audienceMaySee: the
 *            payload is the same for every recipient. A subscriber whose selection is all in it and
 *            all `id`, `__typename` or `@viewerIndependent` gets it with no lookup; any other
 *            selection, or an event without the field, takes the lookup as usual.
 * Every argument of the subscription field that the client sets must equal the payload field of the
 * same name (e.g. `postActivity(postId:)`).
 */
export const LIVE_SPEC_URL = 'https://peerlink.dev/live/v0.1';

export const LIVE_DIRECTIVE_SDL =
  'directive @live(subject: String!, lookup: String!, key: String = "id", audience: String, audienceMaySee: ' +
  'Boolean = false, current: [String!], inline: String) on FIELD_DEFINITION';

/**
 * `@viewerIndependent` on a field (or a whole type) promises that its value is the same for every
 * viewer allowed to see the object that holds it: a message's body, yes; a conversation's unread
 * count, no. Unmarked fields are resolved per subscriber, so a missing mark costs speed, never data.
 */
export const VIEWER_INDEPENDENT_DIRECTIVE_SDL = 'directive @viewerIndependent on FIELD_DEFINITION | OBJECT';
export const VIEWER_INDEPENDENT = '@viewerIndependent';

export interface LiveOptions {
  subject: string;
  lookup: string;
  key?: string;
  audience?: string;
  audienceMaySee?: boolean;
  current?: string[];
  inline?: string;
}

/** The argument a `@live` field with `current` queries takes: its name, and what it says to clients. */
export const CURRENT_ARGUMENT = 'current';
export const CURRENT_ARGUMENT_DESCRIPTION =
  'Send the state as it is now first, then each change, so nothing between a mutation and this subscription ' +
  'is missed. Needs an argument naming one object; one you may not see ends the subscription with NOT_FOUND, ' +
  'as a query would.';

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
