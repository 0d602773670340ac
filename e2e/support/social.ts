import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  CreatePostDocument,
  FollowDocument,
  LoginDocument,
  PostsByDocument,
  SocialNotificationsDocument,
  type Visibility,
} from '../generated/graphql.js';
import { ok, request } from './client.js';
import { grantRole, signUp, type TestStack } from './stack.js';

export type Member = Awaited<ReturnType<typeof signUp>>;

/**
 * A new user once social knows them: social learns of accounts from identity's events, a few
 * milliseconds after registration.
 */
export async function member(t: TestStack, prefix = 'soc'): Promise<Member> {
  const user = await signUp(t, prefix);
  await waitFor(`social to know ${user.username}`, async () => {
    const result = await request(t.url, PostsByDocument, { authorId: user.id, first: 1 }, { token: user.token });
    return !result.errors?.length;
  });
  return user;
}

export async function post(t: TestStack, author: Member, body: string, visibility: Visibility = 'PUBLIC') {
  return (await ok(t.url, CreatePostDocument, { input: { body, visibility } }, author.token)).createPost;
}

export async function follow(t: TestStack, follower: Member, followee: Member) {
  return (await ok(t.url, FollowDocument, { userId: followee.id }, follower.token)).follow;
}

/** A member with the MODERATOR role, signed in again so their token carries it. */
export async function moderator(t: TestStack): Promise<Member> {
  const user = await member(t, 'mod');
  await grantRole(t, user.username, 'MODERATOR');
  const { login } = await ok(t.url, LoginDocument, { input: { login: user.username, password: user.password } });
  return { ...user, token: login.accessToken };
}

export async function notificationsOf(t: TestStack, user: Member) {
  return (await ok(t.url, SocialNotificationsDocument, {}, user.token)).notifications.edges.map((e) => e.node);
}

/** Waits for a notification whose title matches, and returns it. */
export function notified(t: TestStack, user: Member, title: RegExp) {
  return waitFor(`${user.username} to be notified: ${title}`, async () =>
    (await notificationsOf(t, user)).find((n) => title.test(n.title)),
  );
}
