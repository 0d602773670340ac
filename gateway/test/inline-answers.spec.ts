import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '@peerlink/platform/events/event-bus';
import { InlineAnswers } from '@peerlink/gateway/live/inline-answers';
import { readLiveFields, readViewerIndependentMarks } from '@peerlink/gateway/live/live-fields';
import { LIVE_ID_VARIABLE, toLookupQuery } from '@peerlink/gateway/live/live-query';

const sdl = `
  directive @viewerIndependent on FIELD_DEFINITION | OBJECT
  directive @live(subject: String!, lookup: String!, key: String = "id", audience: String, audienceMaySee: Boolean =
    false, current: [String!], inline: String) on FIELD_DEFINITION
  type Query { eventById(id: ID!): Event }
  enum Kind { TYPING SENT }
  interface Node { id: ID! }
  type Event @viewerIndependent { id: ID! kind: Kind! user: User node: Node conversation: Conversation! }
  type Conversation { id: ID! title: String @viewerIndependent unreadCount: Int! messages(last: Int): [String!]
    @viewerIndependent }
  type User implements Node { id: ID! name: String @viewerIndependent }
  type Subscription {
    event: Event! @live(subject: "e", lookup: "eventById", audience: "recipientIds", audienceMaySee: true, inline:
      "snapshot")
    eventForSome: Event! @live(subject: "e", lookup: "eventById", audience: "recipientIds", inline: "snapshot")
    eventForAnyone: Event! @live(subject: "e", lookup: "eventById", audienceMaySee: true, inline: "snapshot")
  }
`;
const schema = buildSchema(sdl);
const marks = readViewerIndependentMarks(sdl);
const live = readLiveFields(sdl).get('event')!;

/** The inline answers for a subscription, or null when its selection can never have one. */
function answersFor(subscription: string) {
  const document = parse(subscription);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition')!;
  return InlineAnswers.for(schema, toLookupQuery(document, operation as never, live.lookup), live, marks);
}

const signal = (snapshot: unknown): DomainEvent => ({
  id: 's1',
  name: 'e',
  occurredAt: new Date().toISOString(),
  payload: { id: 'e1', recipientIds: ['u2'], ...(snapshot === undefined ? {} : { snapshot }) },
});
const typing = { id: 'e1', kind: 'TYPING', user: { id: 'u1' }, conversation: { id: 'c1' } };
const answer = (subscription: string, event: DomainEvent, variables: Record<string, unknown> = {}) =>
  answersFor(subscription)!.answer(event, { ...variables, [LIVE_ID_VARIABLE]: 'e1' });

describe('inline answers', () => {
  it('answer a selection of ids, __typename and marked fields from the payload, with aliases and fragments as a query would', () => {
    expect(
      answer('subscription { event { __typename id kind who: user { id } conversation { id } } }', signal(typing)),
    ).toEqual({
      data: { event: { __typename: 'Event', id: 'e1', kind: 'TYPING', who: { id: 'u1' }, conversation: { id: 'c1' } } },
    });
    expect(
      answer(
        'subscription S { e: event { ...F } } fragment F on Event { kind user { ... on User { id } } }',
        signal(typing),
      ),
    ).toEqual({
      data: { e: { kind: 'TYPING', user: { id: 'u1' } } },
    });
    expect(
      answer('subscription ($skip: Boolean!) { event { kind user @skip(if: $skip) { id } } }', signal(typing), {
        skip: true,
      }),
    ).toEqual({
      data: { event: { kind: 'TYPING' } },
    });
  });

  it('are never tried for a selection with a field that may differ between recipients', () => {
    expect(answersFor('subscription { event { kind conversation { id unreadCount } } }')).toBeNull();
  });

  it('leave the event to the lookup when the payload lacks what was asked, or holds it in a shape the schema refuses', () => {
    const tried = (subscription: string, snapshot: unknown) => answer(subscription, signal(snapshot));
    expect(tried('subscription { event { kind user { name } } }', typing)).toBeNull();
    expect(tried('subscription { event { kind } }', undefined)).toBeNull();
    expect(tried('subscription { event { kind } }', 'not an object')).toBeNull();
    expect(tried('subscription { event { kind } }', { ...typing, kind: 'NOT_A_KIND' })).toBeNull();
    expect(tried('subscription { event { conversation { id } } }', { ...typing, conversation: null })).toBeNull();
    // One value per field in the payload, whatever the arguments: they could change it.
    expect(
      tried('subscription { event { conversation { messages(last: 1) } } }', {
        ...typing,
        conversation: { id: 'c1', messages: ['a', 'b'] },
      }),
    ).toBeNull();
    // An interface's concrete type is known only from the payload's own __typename.
    expect(tried('subscription { event { node { id } } }', { ...typing, node: { id: 'u1' } })).toBeNull();
    expect(
      tried('subscription { event { node { id } } }', { ...typing, node: { __typename: 'User', id: 'u1' } }),
    ).toEqual({ data: { event: { node: { id: 'u1' } } } });
  });

  it('say whether an event carries its own answer', () => {
    const answers = answersFor('subscription { event { kind } }')!;
    expect(answers.carriedBy(signal(typing))).toBe(true);
    expect(answers.carriedBy(signal(undefined))).toBe(false);
  });

  it('are read from @live only where the audience may see the event', () => {
    const fields = readLiveFields(sdl);
    expect(fields.get('event')?.inline).toBe('snapshot');
    expect(fields.get('eventForSome')?.inline).toBeUndefined();
    expect(fields.get('eventForAnyone')?.inline).toBeUndefined();
  });
});
