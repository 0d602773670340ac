import { randomUUID } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddCommentDocument,
  AddToCartDocument,
  BlockDocument,
  CheckoutDocument,
  ConsistencyAddCartItemDocument,
  ConsistencyBlockUserDocument,
  ConsistencyCheckoutCartDocument,
  ConsistencyConversationMessagesDocument,
  ConsistencyCreateAccountDocument,
  ConsistencyCreateCommentDocument,
  ConsistencyCreatePlanSubscriptionDocument,
  ConsistencyCreateSessionDocument,
  ConsistencyEndAllSessionsDocument,
  ConsistencyEndSessionDocument,
  ConsistencyFilesDocument,
  ConsistencyFollowersDocument,
  ConsistencyFollowUserDocument,
  ConsistencyMarkMessagesDeliveredDocument,
  ConsistencyMarkMessagesReadDocument,
  ConsistencyMyOrdersDocument,
  ConsistencyOldMessagesDocument,
  ConsistencyPaymentDocument,
  ConsistencyPlansDocument,
  ConsistencyRemoveCartItemDocument,
  ConsistencyUnblockUserDocument,
  ConsistencyUnfollowUserDocument,
  ConsistencyUserByIdDocument,
  ConsistencyUserByNameDocument,
  ConsistencyUserLookupDocument,
  CreateUploadDocument,
  FollowDocument,
  LoginDocument,
  LogoutDocument,
  LogoutEverywhereDocument,
  MarkDeliveredDocument,
  MarkReadDocument,
  OpenDirectConversationDocument,
  RefundPaymentDocument,
  RegisterDocument,
  RemoveFromCartDocument,
  SendMessageDocument,
  UnblockDocument,
  UnfollowDocument,
} from './generated/graphql.js';
import { answeredData, codes, ok, request } from './support/client.js';
import { upload } from './support/drive.js';
import { ADDRESS, buy, listed, seller, type Account } from './support/marketplace.js';
import { savedCard } from './support/payment-methods.js';
import { admin, plan, subscribe } from './support/plans.js';
import { member, post } from './support/social.js';
import { newUser, signUp, startTestStack, type TestStack } from './support/stack.js';

// What a typed client (Apollo Client, urql, Relay, codegen) relies on, checked on the composed
// schema as the gateway serves it and then on the answers it gives.

let t: TestStack;
let schema: IntrospectedType[];

beforeAll(async () => {
  t = await startTestStack();
  schema = await introspect(t.url);
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface IntrospectedField {
  name: string;
  isDeprecated: boolean;
  deprecationReason: string | null;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
interface IntrospectedType {
  kind: string;
  name: string;
  fields: IntrospectedField[] | null;
  inputFields: { name: string; type: TypeRef }[] | null;
}

/** The composed schema through the gateway, in an introspection query shallow enough for its depth limit. */
async function introspect(url: string): Promise<IntrospectedType[]> {
  const typeRef = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
  const query = `query ConsistencySchema { __schema { types { kind name
    fields(includeDeprecated: true) { name isDeprecated deprecationReason args { name type { ${typeRef} } } type {
      ${typeRef} } }
    inputFields { name type { ${typeRef} } } } } }`;
  const body = await raw(url, query);
  expect(body.errors).toBeUndefined();
  return (body.data as { __schema: { types: IntrospectedType[] } }).__schema.types.filter(
    (type) => !type.name.startsWith('__'),
  );
}

async function raw(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: { extensions?: { code?: string; field?: string } }[];
  };
}

const named = (ref: TypeRef): string => (ref.ofType ? named(ref.ofType) : ref.name!);
const printed = (ref: TypeRef): string =>
  ref.kind === 'NON_NULL' ? `${printed(ref.ofType!)}!` : ref.kind === 'LIST' ? `[${printed(ref.ofType!)}]` : ref.name!;
const typeNamed = (name: string) => schema.find((type) => type.name === name);
const objects = () =>
  schema.filter((type) => type.kind === 'OBJECT' && !['Query', 'Mutation', 'Subscription'].includes(type.name));
const fieldsOf = (name: string) => Object.fromEntries((typeNamed(name)?.fields ?? []).map((f) => [f.name, f]));
const shapeOf = (name: string) =>
  Object.fromEntries((typeNamed(name)?.fields ?? []).map((f) => [f.name, printed(f.type)]));
const codesOf = (body: { errors?: { extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((e) => String(e.extensions?.code));

describe('the composed schema', () => {
  it('gives PageInfo Relay’s four fields, and every connection a pageInfo', () => {
    expect(shapeOf('PageInfo')).toEqual({
      hasNextPage: 'Boolean!',
      hasPreviousPage: 'Boolean!',
      startCursor: 'String',
      endCursor: 'String',
    });
    const connections = objects().filter((type) => type.name.endsWith('Connection'));
    expect(connections.length).toBeGreaterThan(10);
    for (const connection of connections) {
      expect({ connection: connection.name, pageInfo: shapeOf(connection.name).pageInfo }).toEqual({
        connection: connection.name,
        pageInfo: 'PageInfo!',
      });
    }
  });

  it('counts the connections that can count cheaply', () => {
    const counted = [
      'CampaignConnection',
      'ConversationConnection',
      'FileConnection',
      'NotificationConnection',
      'OrderConnection',
      'PayoutConnection',
      'ProductReviewConnection',
      'UserConnection',
    ];
    for (const connection of counted)
      expect({ connection, totalCount: shapeOf(connection).totalCount }).toEqual({ connection, totalCount: 'Int!' });
  });

  it('pages messages backwards the Relay way, on the conversation', () => {
    const messages = fieldsOf('Conversation').messages!;
    expect(messages.args.map((a) => `${a.name}: ${printed(a.type)}`).sort()).toEqual(['before: String', 'last: Int']);
    expect(printed(messages.type)).toBe('MessageConnection!');
  });

  it('types no size, count or byte total as Float', () => {
    const floats: string[] = [];
    for (const type of schema) {
      for (const field of [...(type.fields ?? []), ...(type.inputFields ?? [])]) {
        if (named(field.type) === 'Float') floats.push(`${type.name}.${field.name}`);
      }
      for (const field of type.fields ?? [])
        for (const arg of field.args)
          if (named(arg.type) === 'Float') floats.push(`${type.name}.${field.name}(${arg.name})`);
    }
    // A rating average and a sentiment score are fractions by nature; every other number is a whole one.
    expect(floats.sort()).toEqual(['Rating.average', 'TextSentiment.score']);
    expect(shapeOf('File').size).toBe('SafeInt!');
    expect(shapeOf('StorageUsage')).toMatchObject({
      usedBytes: 'SafeInt!',
      quotaBytes: 'SafeInt!',
      trashBytes: 'SafeInt!',
    });
    expect(typeNamed('CreateUploadInput')!.inputFields!.find((f) => f.name === 'size')!.type).toMatchObject({
      kind: 'NON_NULL',
      ofType: { name: 'SafeInt' },
    });
  });

  it('shows every amount of money as Money, one shape everywhere', () => {
    expect(shapeOf('Money')).toEqual({ amount: 'Int!', currency: 'String!' });
    const moneyLike = /^(amount|currency|fee|net|total|price|refunded|reversed)$|(Amount|Price|Total|Budget)$/;
    const bare = objects()
      .filter((type) => type.name !== 'Money')
      .flatMap((type) =>
        (type.fields ?? [])
          .filter((f) => !f.isDeprecated && moneyLike.test(f.name) && named(f.type) !== 'Money')
          .map((f) => `${type.name}.${f.name}`),
      );
    expect(bare).toEqual([]);
    expect(shapeOf('Payment')).toMatchObject({ total: 'Money!', refunded: 'Money!' });
    expect(shapeOf('Refund')).toMatchObject({ total: 'Money!' });
    expect(shapeOf('Payout')).toMatchObject({
      grossTotal: 'Money!',
      feeTotal: 'Money!',
      netTotal: 'Money!',
      reversed: 'Money!',
    });
    expect(shapeOf('Plan')).toMatchObject({ price: 'Money!' });
  });

  it('names each mutation verb then noun', () => {
    const odd = fieldsOf('Mutation');
    const names = Object.values(odd)
      .filter((f) => !f.isDeprecated)
      .map((f) => f.name);
    // `enroll(courseId)` is a name issue 14 gives clients; its noun is its argument.
    const contracted = new Set(['enroll']);
    expect(names.filter((name) => !/^[a-z]+(?:[A-Z][a-z0-9]*)+$/.test(name) && !contracted.has(name))).toEqual([]);
  });

  it('names, for every deprecated field, a replacement that exists', () => {
    const deprecated = schema.flatMap((type) =>
      (type.fields ?? []).filter((f) => f.isDeprecated).map((f) => ({ type: type.name, field: f })),
    );
    expect(deprecated.map((d) => `${d.type}.${d.field.name}`)).toEqual(
      expect.arrayContaining([
        'Mutation.register',
        'Mutation.login',
        'Mutation.follow',
        'Mutation.checkout',
        'Query.messages',
        'Payment.amount',
        'Plan.currency',
      ]),
    );
    for (const { type, field } of deprecated) {
      const match = /^Use (\w+)(?:\.(\w+))?\b/.exec(field.deprecationReason ?? '');
      expect({ field: `${type}.${field.name}`, reason: field.deprecationReason, names: Boolean(match) }).toMatchObject({
        names: true,
      });
      const [replacementType, replacementField] = match![2] ? [match![1]!, match![2]] : [type, match![1]!];
      const replacement = fieldsOf(replacementType)[replacementField];
      expect({
        field: `${type}.${field.name}`,
        replacement: `${replacementType}.${replacementField}`,
        exists: !!replacement && !replacement.isDeprecated,
      }).toMatchObject({ exists: true });
    }
  });

  it('makes every root field nullable, so one subgraph down costs only its own fields (a missing object is still NOT_FOUND, below)', () => {
    const query = fieldsOf('Query');
    expect(query.user!.args.map((a) => `${a.name}: ${printed(a.type)}`).sort()).toEqual(['id: ID', 'username: String']);
    for (const root of ['Query', 'Mutation', 'Subscription']) {
      for (const field of Object.values(fieldsOf(root)))
        expect({ field: `${root}.${field.name}`, type: field.type.kind }).not.toEqual({
          field: `${root}.${field.name}`,
          type: 'NON_NULL',
        });
    }
  });
});

/** Query fields that fetch one object by ids alone: `post(id)`, `paymentStatus(orderId)`, ... */
function singleObjectQueries(): IntrospectedField[] {
  return (typeNamed('Query')!.fields ?? []).filter(
    (field) =>
      field.args.length > 0 &&
      field.args.every((a) => printed(a.type) === 'ID!') &&
      typeNamed(named(field.type))?.kind === 'OBJECT' &&
      !named(field.type).endsWith('Connection') &&
      !printed(field.type).includes('['),
  );
}

describe('answers', () => {
  it('give a missing object to every single-object query as NOT_FOUND, for a malformed id too', async () => {
    const viewer = await signUp(t, 'lookup');
    const queries = singleObjectQueries();
    expect(queries.map((q) => q.name)).toEqual(
      expect.arrayContaining([
        'post',
        'comment',
        'order',
        'product',
        'payment',
        'paymentStatus',
        'file',
        'conversation',
        'notification',
        'payout',
        'planSubscription',
      ]),
    );
    for (const field of queries) {
      for (const id of [randomUUID(), 'not-an-id']) {
        const args = field.args.map((a) => `${a.name}: $id`).join(', ');
        const body = await raw(
          t.url,
          `query ($id: ID!) { ${field.name}(${args}) { __typename } }`,
          { id },
          viewer.token,
        );
        expect({ query: field.name, id, data: answeredData(body.data), codes: codesOf(body) }).toEqual({
          query: field.name,
          id,
          data: null,
          codes: ['NOT_FOUND'],
        });
      }
    }
    for (const variables of [
      { id: randomUUID() },
      { id: 'not-an-id' },
      { username: newUser('nobody').username },
      { username: 'not a username!' },
    ]) {
      expect({ variables, codes: await codes(t.url, ConsistencyUserLookupDocument, variables, viewer.token) }).toEqual({
        variables,
        codes: ['NOT_FOUND'],
      });
    }
  });

  it('hide someone else’s objects behind the same NOT_FOUND', async () => {
    const [ada, bob, eve] = await Promise.all([member(t, 'ada'), member(t, 'bob'), member(t, 'eve')]);
    const conversation = await openDirect(ada, bob);
    const file = await upload(t.url, ada.token, 'private.txt', Buffer.from('mine alone'));
    for (const [query, id] of [
      ['conversation', conversation.id],
      ['file', file.id],
    ] as const) {
      const body = await raw(t.url, `query ($id: ID!) { ${query}(id: $id) { id } }`, { id }, eve.token);
      expect({ query, data: answeredData(body.data), codes: codesOf(body) }).toEqual({
        query,
        data: null,
        codes: ['NOT_FOUND'],
      });
    }
  });

  it('find a user by id as by username, and refuse both or neither', async () => {
    const ada = await signUp(t, 'byid');
    expect((await ok(t.url, ConsistencyUserByIdDocument, { id: ada.id })).user).toEqual({
      id: ada.id,
      username: ada.username,
    });
    expect((await ok(t.url, ConsistencyUserByIdDocument, { id: ada.id.toUpperCase() })).user.id).toBe(ada.id);
    expect((await ok(t.url, ConsistencyUserByNameDocument, { username: ada.username })).user.id).toBe(ada.id);
    const both = await request(t.url, ConsistencyUserLookupDocument, { id: ada.id, username: ada.username });
    expect(both.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT' })]);
    expect(await codes(t.url, ConsistencyUserLookupDocument, {})).toEqual(['BAD_USER_INPUT']);
  });

  it('page a conversation’s messages backwards with hasPreviousPage and startCursor', async () => {
    const [ada, bob, eve] = await Promise.all([member(t, 'ada'), member(t, 'bob'), member(t, 'eve')]);
    const { id } = await openDirect(ada, bob);
    for (const body of ['m1', 'm2', 'm3', 'm4', 'm5'])
      await ok(t.url, SendMessageDocument, { input: { conversationId: id, body } }, ada.token);
    const page = async (before?: string | null) =>
      (await ok(t.url, ConsistencyConversationMessagesDocument, { id, last: 2, before }, bob.token)).conversation
        .messages;

    const newest = await page();
    expect(newest.edges.map((e) => e.node.body)).toEqual(['m4', 'm5']);
    expect(newest.pageInfo).toEqual({
      hasPreviousPage: true,
      hasNextPage: false,
      startCursor: newest.edges[0]!.cursor,
      endCursor: newest.edges[1]!.cursor,
    });
    const middle = await page(newest.pageInfo.startCursor);
    expect(middle.edges.map((e) => e.node.body)).toEqual(['m2', 'm3']);
    expect(middle.pageInfo).toMatchObject({
      hasPreviousPage: true,
      hasNextPage: true,
      startCursor: middle.edges[0]!.cursor,
    });
    const oldest = await page(middle.pageInfo.startCursor);
    expect(oldest.edges.map((e) => e.node.body)).toEqual(['m1']);
    expect(oldest.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect(
      (await ok(t.url, ConsistencyConversationMessagesDocument, { id }, bob.token)).conversation.messages.edges.map(
        (e) => e.node.body,
      ),
    ).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

    // The deprecated root field keeps its order (newest first, `before` = endCursor) and now fills all four fields.
    const old = (await ok(t.url, ConsistencyOldMessagesDocument, { conversationId: id, first: 2 }, bob.token)).messages;
    expect(old.edges.map((e) => e.node.body)).toEqual(['m5', 'm4']);
    expect(old.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const older = (
      await ok(
        t.url,
        ConsistencyOldMessagesDocument,
        { conversationId: id, first: 2, before: old.pageInfo.endCursor },
        bob.token,
      )
    ).messages;
    expect(older.edges.map((e) => e.node.body)).toEqual(['m3', 'm2']);
    expect(older.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const fieldOf = async (variables: { last?: number; before?: string }) =>
      (
        await request(t.url, ConsistencyConversationMessagesDocument, { id, ...variables }, { token: bob.token })
      ).errors?.map((e) => e.extensions);
    expect(await fieldOf({ last: 0 })).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'last' })]);
    expect(await fieldOf({ before: 'not a cursor' })).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'before' }),
    ]);
    expect(await codes(t.url, ConsistencyConversationMessagesDocument, { id, last: 2 }, eve.token)).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('count cheap connections and report hasPreviousPage on later pages', async () => {
    const star = await member(t, 'star');
    const fans = await Promise.all([member(t, 'fan'), member(t, 'fan'), member(t, 'fan')]);
    for (const fan of fans) await ok(t.url, ConsistencyFollowUserDocument, { userId: star.id }, fan.token);
    const first = (await ok(t.url, ConsistencyFollowersDocument, { id: star.id, first: 2 }, star.token)).user;
    expect(first.followerCount).toBe(3);
    expect(first.followers!.totalCount).toBe(3);
    expect(first.followers!.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: expect.any(String),
    });
    const second = (
      await ok(
        t.url,
        ConsistencyFollowersDocument,
        { id: star.id, first: 2, after: first.followers!.pageInfo.endCursor },
        star.token,
      )
    ).user.followers;
    expect(second!.edges).toHaveLength(1);
    expect(second!.pageInfo).toMatchObject({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: second!.pageInfo.endCursor,
    });

    await upload(t.url, star.token, 'a.txt', Buffer.from('twelve bytes'));
    await upload(t.url, star.token, 'b.txt', Buffer.from('three'));
    const { files, storageUsage } = await ok(t.url, ConsistencyFilesDocument, { first: 1 }, star.token);
    expect(files.totalCount).toBe(2);
    expect(files.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(files.edges[0]!.node).toMatchObject({ size: 5, currentVersion: { size: 5 } });
    expect(storageUsage).toMatchObject({ usedBytes: 17, trashBytes: 0 });
    expect(Number.isSafeInteger(storageUsage.quotaBytes)).toBe(true);
  });

  it('take byte sizes past Int’s 2 GiB as whole numbers, and refuse fractions', async () => {
    const owner = await signUp(t, 'sizes');
    const input = { name: 'big.bin', mimeType: 'application/octet-stream' };
    // 3 GiB reaches drive, which answers with its own limit rather than GraphQL with a type error.
    const big = await request(
      t.url,
      CreateUploadDocument,
      { input: { ...input, size: 3 * 2 ** 30 } },
      { token: owner.token },
    );
    expect(big.errors?.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'size' }),
    ]);
    expect(await codes(t.url, CreateUploadDocument, { input: { ...input, size: 2.5 } }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, CreateUploadDocument, { input: { ...input, size: 2 ** 53 } }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('show a payment, its refunds and a plan’s price as Money', async () => {
    const shop = await seller(t);
    const buyer = await signUp(t, 'buyer');
    const product = await listed(t, shop, { priceAmount: 2500, currency: 'eur' });
    await ok(t.url, ConsistencyAddCartItemDocument, { productId: product.id, quantity: 2 }, buyer.token);
    const { checkoutCart } = await ok(
      t.url,
      ConsistencyCheckoutCartDocument,
      { input: { idempotencyKey: randomUUID(), shippingAddress: ADDRESS, paymentMethodId: 'pm_card_visa' } },
      buyer.token,
    );
    const order = checkoutCart.orders[0]!;
    expect(order.total).toEqual({ amount: 5000, currency: 'eur' });
    const paid = await waitFor('the payment to succeed', async () => {
      const payment = (await request(t.url, ConsistencyPaymentDocument, { orderId: order.id }, { token: buyer.token }))
        .data?.paymentStatus;
      return payment?.status === 'SUCCEEDED' ? payment : null;
    });
    expect(paid).toMatchObject({
      total: { amount: 5000, currency: 'eur' },
      refunded: { amount: 0, currency: 'eur' },
      amount: 5000,
      currency: 'eur',
      refundedAmount: 0,
    });

    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: paid.id, amount: 1200, reason: 'one arrived broken' } },
      shop.token,
    );
    const refunded = (await ok(t.url, ConsistencyPaymentDocument, { orderId: order.id }, shop.token)).paymentStatus;
    expect(refunded).toMatchObject({
      refunded: { amount: 1200, currency: 'eur' },
      refundedAmount: 1200,
      refunds: [{ total: { amount: 1200, currency: 'eur' }, amount: 1200 }],
    });
    expect(
      await codes(t.url, ConsistencyPaymentDocument, { orderId: order.id }, (await signUp(t, 'stranger')).token),
    ).toEqual(['NOT_FOUND']);

    const boss = await admin(t);
    const made = await plan(t, boss, { amount: 1499, currency: 'usd' });
    expect((await ok(t.url, ConsistencyPlansDocument)).plans.find((p) => p.id === made.id)).toEqual({
      id: made.id,
      price: { amount: 1499, currency: 'usd' },
      amount: 1499,
      currency: 'usd',
    });
    const card = await savedCard(t, buyer);
    const { createPlanSubscription } = await ok(
      t.url,
      ConsistencyCreatePlanSubscriptionDocument,
      { input: { planId: made.id, paymentMethodId: card.id, idempotencyKey: randomUUID() } },
      buyer.token,
    );
    expect(createPlanSubscription.plan.price).toEqual({ amount: 1499, currency: 'usd' });
    const orders = (await ok(t.url, ConsistencyMyOrdersDocument, { first: 5 }, buyer.token)).myOrders;
    expect(orders.totalCount).toBe(1);
  });
});

async function openDirect(from: Account, to: Account) {
  return waitFor(
    `a conversation between ${from.username} and ${to.username}`,
    async () =>
      (await request(t.url, OpenDirectConversationDocument, { userId: to.id }, { token: from.token })).data
        ?.openDirectConversation,
  );
}

describe('renamed mutations', () => {
  it('sign up, in and out under the new names and the old ones', async () => {
    const input = newUser('names');
    const { createAccount } = await ok(t.url, ConsistencyCreateAccountDocument, { input });
    const { createSession } = await ok(t.url, ConsistencyCreateSessionDocument, {
      input: { login: input.username, password: input.password },
    });
    expect(
      await ok(
        t.url,
        ConsistencyEndSessionDocument,
        { refreshToken: createSession.refreshToken },
        createAccount.accessToken,
      ),
    ).toEqual({ endSession: true });
    expect(await ok(t.url, ConsistencyEndAllSessionsDocument, {}, createAccount.accessToken)).toEqual({
      endAllSessions: true,
    });

    const old = newUser('oldnames');
    const { register } = await ok(t.url, RegisterDocument, { input: old });
    const { login } = await ok(t.url, LoginDocument, { input: { login: old.username, password: old.password } });
    expect(await ok(t.url, LogoutDocument, { refreshToken: login.refreshToken }, register.accessToken)).toMatchObject({
      logout: true,
    });
    expect(await ok(t.url, LogoutEverywhereDocument, {}, register.accessToken)).toMatchObject({
      logoutEverywhere: true,
    });
    expect(
      await codes(t.url, ConsistencyCreateSessionDocument, {
        input: { login: old.username, password: 'not the password' },
      }),
    ).toEqual(['UNAUTHENTICATED']);
  });

  it('follow, block and comment under the new names and the old ones', async () => {
    const [ada, bob] = await Promise.all([member(t, 'ada'), member(t, 'bob')]);
    expect(
      (await ok(t.url, ConsistencyFollowUserDocument, { userId: bob.id }, ada.token)).followUser.viewerIsFollowing,
    ).toBe(true);
    expect(
      (await ok(t.url, ConsistencyUnfollowUserDocument, { userId: bob.id }, ada.token)).unfollowUser.viewerIsFollowing,
    ).toBe(false);
    expect((await ok(t.url, FollowDocument, { userId: bob.id }, ada.token)).follow.viewerIsFollowing).toBe(true);
    expect((await ok(t.url, UnfollowDocument, { userId: bob.id }, ada.token)).unfollow.viewerIsFollowing).toBe(false);
    expect(
      (await ok(t.url, ConsistencyBlockUserDocument, { userId: bob.id }, ada.token)).blockUser.viewerHasBlocked,
    ).toBe(true);
    expect(
      (await ok(t.url, ConsistencyUnblockUserDocument, { userId: bob.id }, ada.token)).unblockUser.viewerHasBlocked,
    ).toBe(false);
    expect((await ok(t.url, BlockDocument, { userId: bob.id }, ada.token)).block).toMatchObject({ id: bob.id });
    expect((await ok(t.url, UnblockDocument, { userId: bob.id }, ada.token)).unblock).toMatchObject({ id: bob.id });
    expect(await codes(t.url, ConsistencyFollowUserDocument, { userId: ada.id }, ada.token)).toEqual([
      'BAD_USER_INPUT',
    ]);

    const { id: postId } = await post(t, bob, 'comment on me');
    expect(
      (await ok(t.url, ConsistencyCreateCommentDocument, { postId, body: 'new name' }, ada.token)).createComment.body,
    ).toBe('new name');
    expect((await ok(t.url, AddCommentDocument, { postId, body: 'old name' }, ada.token)).addComment.body).toBe(
      'old name',
    );
    expect(
      await codes(t.url, ConsistencyCreateCommentDocument, { postId: randomUUID(), body: 'nowhere' }, ada.token),
    ).toEqual(['NOT_FOUND']);
  });

  it('fill and check out a cart, and mark messages, under the new names and the old ones', async () => {
    const shop = await seller(t);
    const buyer = await signUp(t, 'cart');
    const product = await listed(t, shop);
    expect(
      (await ok(t.url, ConsistencyAddCartItemDocument, { productId: product.id, quantity: 1 }, buyer.token)).addCartItem
        .lines,
    ).toEqual([{ quantity: 1 }]);
    expect(
      (await ok(t.url, AddToCartDocument, { productId: product.id, quantity: 1 }, buyer.token)).addToCart.lines,
    ).toMatchObject([{ quantity: 2 }]);
    expect(
      (await ok(t.url, ConsistencyRemoveCartItemDocument, { productId: product.id }, buyer.token)).removeCartItem.lines,
    ).toEqual([]);
    await ok(t.url, AddToCartDocument, { productId: product.id, quantity: 1 }, buyer.token);
    expect(
      (await ok(t.url, RemoveFromCartDocument, { productId: product.id }, buyer.token)).removeFromCart.lines,
    ).toEqual([]);
    expect(
      await codes(t.url, ConsistencyAddCartItemDocument, { productId: product.id, quantity: 0 }, buyer.token),
    ).toEqual(['BAD_USER_INPUT']);
    const checkedOut = await buy(t, buyer, product.id);
    expect(checkedOut.orders).toHaveLength(1);
    await ok(t.url, AddToCartDocument, { productId: product.id, quantity: 1 }, buyer.token);
    const again = await ok(
      t.url,
      CheckoutDocument,
      { input: { idempotencyKey: randomUUID(), shippingAddress: ADDRESS, paymentMethodId: 'pm_card_visa' } },
      buyer.token,
    );
    expect(again.checkout.orders).toHaveLength(1);

    const [ada, bob] = await Promise.all([member(t, 'ada'), member(t, 'bob')]);
    const { id } = await openDirect(ada, bob);
    const sent = (await ok(t.url, SendMessageDocument, { input: { conversationId: id, body: 'hello' } }, ada.token))
      .sendMessage;
    await ok(
      t.url,
      ConsistencyMarkMessagesDeliveredDocument,
      { conversationId: id, upToMessageId: sent.id },
      bob.token,
    );
    expect(
      (await ok(t.url, ConsistencyMarkMessagesReadDocument, { conversationId: id, upToMessageId: sent.id }, bob.token))
        .markMessagesRead.unreadCount,
    ).toBe(0);
    await ok(t.url, MarkDeliveredDocument, { conversationId: id, upToMessageId: sent.id }, bob.token);
    await ok(t.url, MarkReadDocument, { conversationId: id, upToMessageId: sent.id }, bob.token);
    expect(
      await codes(
        t.url,
        ConsistencyMarkMessagesReadDocument,
        { conversationId: id, upToMessageId: sent.id },
        (await member(t, 'eve')).token,
      ),
    ).toEqual(['NOT_FOUND']);
  });

  it('subscribe to a plan under the old name too', async () => {
    const boss = await admin(t);
    const made = await plan(t, boss);
    const user = await signUp(t, 'planner');
    const card = await savedCard(t, user);
    expect((await subscribe(t, user, made.id, card.id)).status).toBe('ACTIVE');
  });
});
