import {
  buildSchema,
  getOperationAST,
  parse,
  print,
  validate,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { LIVE_ID_VARIABLE, argumentsOf, toCurrentQuery, toLookupQuery } from '@peerlink/gateway/live/live-query';

const schema = buildSchema(`
  type Query { notification(id: ID!): Notification, post(id: ID!): Post, postBySlug(slug: String!, locale: String):
    Post, me: User }
  type Subscription { notificationAdded(kind: String): Notification!, postActivity(postId: ID!): Post! }
  type Notification { id: ID!, kind: String!, actor: User }
  type User { id: ID!, username: String!, avatar(size: Int): String }
  type Post { id: ID!, title(locale: String): String!, author: User }
`);

/** Rewrites the named operation of `source` and checks the result is a valid query for the schema. */
function rewrite(source: string, lookup: string, operationName?: string) {
  const document = parse(source);
  expect(validate(schema, document)).toEqual([]);
  const query = toLookupQuery(document, getOperationAST(document, operationName)!, lookup);
  expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
  return query;
}

const normalized = (source: string) => print(parse(source));

describe('toLookupQuery', () => {
  it('turns the subscription field into the lookup under the name the client asked for', () => {
    const query = rewrite('subscription { notificationAdded { kind actor { username } } }', 'notification');
    expect(query).toBe(
      normalized(
        `query ($${LIVE_ID_VARIABLE}: ID!) { notificationAdded: notification(id: $${LIVE_ID_VARIABLE}) { ` +
          `kind actor { username } } }`,
      ),
    );
  });

  it('keeps the operation name and the client’s alias', () => {
    const query = rewrite('subscription Inbox { latest: notificationAdded(kind: "SECURITY") { id } }', 'notification');
    expect(query).toBe(normalized('query Inbox($__liveId: ID!) { latest: notification(id: $__liveId) { id } }'));
  });

  it('keeps the variables the selection uses and drops those only the subscription arguments used', () => {
    const query = rewrite(
      `subscription Activity($postId: ID!, $locale: String, $size: Int) {
        postActivity(postId: $postId) { title(locale: $locale) author { ...Face } }
      }
      fragment Face on User { username avatar(size: $size) }`,
      'post',
    );
    expect(query).toBe(
      normalized(`query Activity($locale: String, $size: Int, $__liveId: ID!) {
        postActivity: post(id: $__liveId) { title(locale: $locale) author { ...Face } }
      }
      fragment Face on User { username avatar(size: $size) }`),
    );
  });

  it('keeps a variable used both as a subscription argument and in the selection', () => {
    const query = rewrite(
      'subscription ($postId: ID!) { postActivity(postId: $postId) { id author { avatar(size: 1) } } }',
      'post',
    );
    expect(query).toContain('($__liveId: ID!)');
    expect(query).not.toContain('$postId');
  });

  it('keeps the fragments the selection spreads, through other fragments and inline fragments, and no others', () => {
    const query = rewrite(
      `query Profile { me { ...Other } }
      subscription Inbox { notificationAdded { ... on Notification { ...Summary } } }
      fragment Summary on Notification { kind actor { ...Face } }
      fragment Face on User { username }
      fragment Other on User { id }`,
      'notification',
      'Inbox',
    );
    expect(query).toBe(
      normalized(`query Inbox($__liveId: ID!) { notificationAdded: notification(id: $__liveId) { ... on Notification {
        ...Summary } } }
      fragment Summary on Notification { kind actor { ...Face } }
      fragment Face on User { username }`),
    );
  });

  it('leaves the original document untouched', () => {
    const source = 'subscription ($kind: String) { notificationAdded(kind: $kind) { id } }';
    const document = parse(source);
    toLookupQuery(document, getOperationAST(document)!, 'notification');
    expect(print(document)).toBe(normalized(source));
  });
});

describe('toCurrentQuery', () => {
  /** The field node of one `@live(current:)` entry. */
  const entry = (source: string) =>
    (parse(`{ ${source} }`).definitions[0] as OperationDefinitionNode).selectionSet.selections[0] as FieldNode;

  function current(source: string, by: string, args: Record<string, unknown>) {
    const document = parse(source);
    const result = toCurrentQuery(document, getOperationAST(document)!, entry(by), schema, args);
    expect(validate(schema, parse(result.query)).map((e) => e.message)).toEqual([]);
    return result;
  }

  it('reads the state by the subscription’s own argument, typed as the query field takes it', () => {
    const { query, variables } = current(
      'subscription Watch($id: ID!) { activity: postActivity(postId: $id) { title } }',
      'post(id: $postId)',
      { postId: 'p1' },
    );
    expect(query).toBe(
      normalized('query Watch($__current_postId: ID!) { activity: post(id: $__current_postId) { title } }'),
    );
    expect(variables).toEqual({ __current_postId: 'p1' });
  });

  it('keeps literals of the entry and the variables the selection uses', () => {
    const { query, variables } = current(
      'subscription ($locale: String) { postActivity(postId: "p1") { title(locale: $locale) } }',
      'postBySlug(slug: $postId, locale: "en")',
      { postId: 'p1' },
    );
    expect(query).toBe(
      normalized(
        'query ($locale: String, $__current_postId: String!) { postActivity: postBySlug(slug: ' +
          '$__current_postId, locale: "en") { title(locale: $locale) } }',
      ),
    );
    expect(variables).toEqual({ __current_postId: 'p1' });
  });

  it('names the subscription arguments an entry needs', () => {
    expect(argumentsOf(entry('postBySlug(slug: $postId, locale: $locale)'))).toEqual(['postId', 'locale']);
  });

  it('refuses an entry naming a query field or argument the schema lacks', () => {
    const document = parse('subscription { postActivity(postId: "p1") { id } }');
    expect(() =>
      toCurrentQuery(document, getOperationAST(document)!, entry('missing(id: $postId)'), schema, {}),
    ).toThrow(/Query.missing/);
    expect(() => toCurrentQuery(document, getOperationAST(document)!, entry('post(key: $postId)'), schema, {})).toThrow(
      /key/,
    );
  });
});
