import { generate } from '@graphql-codegen/cli';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  Kind,
  parse,
  print,
  type DefinitionNode,
  type FieldNode,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wsClient } from './support/client.js';
import { startTestStack, type TestStack } from './support/stack.js';

/** Introspection through the gateway at its default limits, as tools and clients send it. */
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

interface Body {
  data?: IntrospectionQuery | null;
  errors?: { message: string; extensions: { code: string } }[];
}

async function post(query: string): Promise<Body> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Body;
}

/** The one result of a query sent over graphql-ws; refusals arrive as the protocol's error message. */
async function overSocket(query: string): Promise<Body> {
  const client = wsClient(t.url);
  try {
    return await new Promise<Body>((resolve, reject) => {
      let result: Body | undefined;
      client.subscribe(
        { query },
        {
          next: (value) => {
            result = value as Body;
          },
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

const everyOption = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};
const STANDARD_QUERIES = {
  'graphql-js with every option': getIntrospectionQuery(everyOption),
  'graphql-js with every option and 100 levels of ofType': getIntrospectionQuery({ ...everyOption, typeDepth: 100 }),
  // GraphiQL 3 sends the defaults (its inputValueDeprecation and schemaDescription props are unset).
  'GraphiQL and graphql-js defaults': getIntrospectionQuery(),
  "GraphiQL's retry without subscriptionType": getIntrospectionQuery().replace('subscriptionType { name }', ''),
};

/** Four levels of followers: 14 fields deep, past the default 12. */
const DEEP_DATA = `{ me ${'{ followers { edges { node '.repeat(4)}{ id }${' } } }'.repeat(4)} }`;
/**
 * Nested so that every field's type's fields' arguments' enum values multiply, which graphql's own introspection depth
 * rule allows.
 */
const NESTED_INTROSPECTION =
  '{ __schema { types { fields { type { fields { args { type { enumValues { name } } } } } } } } }';
/** The full query four times over under aliases, within the alias limit. */
const COPIES = (() => {
  const document = parse(getIntrospectionQuery(everyOption));
  const [operation, ...fragments] = document.definitions as [OperationDefinitionNode, ...DefinitionNode[]];
  const schemaField = operation.selectionSet.selections[0] as FieldNode;
  const selections = ['a', 'b', 'c', 'd'].map(
    (alias) => ({ ...schemaField, alias: { kind: Kind.NAME, value: alias } }) as FieldNode,
  );
  return print({
    ...document,
    definitions: [{ ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections } }, ...fragments],
  });
})();

describe('introspection at the default limits', () => {
  for (const [client, query] of Object.entries(STANDARD_QUERIES)) {
    it(`answers ${client}, over HTTP and WebSocket`, async () => {
      for (const body of [await post(query), await overSocket(query)]) {
        expect(body.errors).toBeUndefined();
        const schema = buildClientSchema(body.data!);
        expect([
          schema.getQueryType()?.name,
          schema.getMutationType()?.name,
          schema.getSubscriptionType()?.name,
        ]).toEqual(['Query', 'Mutation', 'Subscription']);
        expect(Object.keys(schema.getQueryType()!.getFields())).toContain('me');
      }
    });
  }

  it('lets graphql-codegen load the schema from the URL', async () => {
    const [output] = await generate(
      { schema: t.url, generates: { 'schema.graphql': { plugins: ['schema-ast'] } }, silent: true },
      false,
    );
    const schema = buildSchema(output!.content);
    expect(Object.keys(schema.getSubscriptionType()!.getFields())).toContain('notificationAdded');
  });

  it('answers a missing variable with BAD_USER_INPUT and an unknown type with null', async () => {
    const byName = 'query TypeByName($name: String!) { __type(name: $name) { name kind } }';
    const send = async (variables: object) => {
      const response = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: byName, variables }),
      });
      return (await response.json()) as { data?: { __type: unknown }; errors?: { extensions: { code: string } }[] };
    };
    expect((await send({})).errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect((await send({ name: 42 })).errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(await send({ name: 'Nothing' })).toEqual({ data: { __type: null } });
    expect(await send({ name: 'Money' })).toEqual({ data: { __type: { name: 'Money', kind: 'OBJECT' } } });
  });

  it('still refuses data nested past the depth limit, over HTTP and WebSocket', async () => {
    for (const body of [await post(DEEP_DATA), await overSocket(DEEP_DATA)]) {
      expect(body.errors?.map((e) => [e.extensions.code, e.message])).toEqual([
        ['GRAPHQL_VALIDATION_FAILED', 'Operation anonymous is 14 levels deep; the limit is 12.'],
      ]);
    }
  });

  it('refuses introspection that multiplies past what the schema holds, over HTTP and WebSocket', async () => {
    for (const query of [NESTED_INTROSPECTION, COPIES]) {
      for (const body of [await post(query), await overSocket(query)]) {
        expect(body.data ?? undefined).toBeUndefined();
        expect(body.errors?.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
        expect(body.errors![0]!.message).toMatch(/introspection could resolve \d+ values; the limit is 50000\./);
      }
    }
  });
});
