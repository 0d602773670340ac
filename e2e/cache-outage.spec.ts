import { waitFor } from '@peerlink/platform/testing/wait-for';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FeedDocument,
  LoginDocument,
  MeDocument,
  RequestPasswordResetDocument,
  StorageTotalsDocument,
  UserActivityDocument,
} from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { follow, member, post } from './support/social.js';
import { makeAdmin, services, signUp, startTestStack, type TestStack } from './support/stack.js';
import { TcpProxy } from './support/tcp-proxy.js';

// Redis reached through a hop the test can cut: a real outage for ioredis, while the Redis that other
// spec files share stays up.
const redisAddress = new URL(services.redis);
const proxy = new TcpProxy({ host: redisAddress.hostname, port: Number(redisAddress.port || 6379) });
let t: TestStack;
beforeAll(async () => {
  const port = await proxy.start();
  t = await startTestStack({ REDIS_URL: `redis://127.0.0.1:${port}` });
});
afterAll(async () => {
  await proxy.start().catch(() => {});
  await t?.stop();
  await proxy.stop();
});

describe('when Redis goes away', () => {
  it('keeps answering, reads feeds from Postgres, refuses sign-in clearly, and catches up when it is back', async () => {
    const [reader, author] = await Promise.all([member(t), member(t)]);
    await follow(t, reader, author);
    const before = await post(t, author, 'before the outage');
    const feedOf = async () =>
      (await ok(t.url, FeedDocument, { first: 10 }, reader.token)).feed.edges.map((e) => e.node.body);
    await waitFor('the post in the cached feed', async () => (await feedOf()).includes(before.body));

    await proxy.cut();
    // Rate limiting needs Redis; the API does not: queries and mutations are still answered.
    expect((await ok(t.url, MeDocument, {}, reader.token)).me?.id).toBe(reader.id);
    const during = await post(t, author, 'during the outage');
    // The timeline cache is away, so the feed comes from Postgres, and has the new post at once.
    expect(await feedOf()).toEqual([during.body, before.body]);
    // Sign-in's guessing throttle lives in Redis: rather than allow unthrottled guesses, it says try again.
    expect(await codes(t.url, LoginDocument, { input: { login: reader.username, password: reader.password } })).toEqual(
      ['SERVICE_UNAVAILABLE'],
    );
    // A password reset answers alike whether or not the address has an account, outage or not.
    for (const email of [reader.email, 'nobody-here@example.com'])
      expect(await codes(t.url, RequestPasswordResetDocument, { email })).toEqual(['SERVICE_UNAVAILABLE']);

    await proxy.start();
    await waitFor(
      'sign-in to work again',
      async () =>
        !!(await request(t.url, LoginDocument, { input: { login: reader.username, password: reader.password } })).data
          ?.login,
    );
    // The fan-out of the post made meanwhile waited for Redis rather than becoming a dead letter: the cached timeline
    // has it.
    const redis = new Redis(services.redis);
    try {
      await waitFor(
        'the post in the cached timeline',
        async () => (await redis.zscore(`${t.namespace}:social:timeline:${reader.id}`, during.id)) !== null,
      );
    } finally {
      redis.disconnect();
    }
    expect(await feedOf()).toEqual([during.body, before.body]);
    expect(await t.stack.infrastructure.bus.deadLetters()).toEqual([]);
  });
});

describe('when Redis goes away, roles cannot be confirmed', () => {
  it('privileged checks answer SERVICE_UNAVAILABLE (never FORBIDDEN, never success) while ordinary ones keep working', async () => {
    const admin = await signUp(t, 'admin');
    await makeAdmin(t, admin.username);
    const token = (await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } })).login
      .accessToken;
    const plain = await signUp(t, 'plain');
    expect(await codes(t.url, StorageTotalsDocument, {}, token)).toEqual([]);

    await proxy.cut();
    try {
      expect(await codes(t.url, StorageTotalsDocument, {}, token)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(await codes(t.url, UserActivityDocument, { userId: plain.id, first: 5 }, token)).toEqual([
        'SERVICE_UNAVAILABLE',
      ]);
      // What needs no privileged role is answered: the admin's own account, and everyone else's refusals as ever.
      expect((await ok(t.url, MeDocument, {}, token)).me?.id).toBe(admin.id);
      expect(await codes(t.url, StorageTotalsDocument, {}, plain.token)).toEqual(['FORBIDDEN']);
    } finally {
      await proxy.start();
    }
    await waitFor(
      'the admin role to be confirmed again',
      async () => (await codes(t.url, StorageTotalsDocument, {}, token)).length === 0,
    );
  });
});
