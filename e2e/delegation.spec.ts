import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signDelegationToken } from '@peerlink/platform/auth/delegation-token';
import { MeDocument, UpdateProfileDocument } from './generated/graphql.js';
import { request } from './support/client.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

/**
 * The assistant calls the gateway as the user it answers, with a delegation token it signs: the
 * gateway reads as that user and refuses to change anything, and a token signed by anyone else is
 * worthless.
 */
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.stop());

const assistantKey = () => t.stack.config.platform.assistantKeys!.privateKey!;

async function delegated(user: { id: string }, key = assistantKey()) {
  return signDelegationToken(
    key,
    { userId: user.id, sessionId: 'assistant-test', roles: ['USER'] },
    { actor: 'assistant' },
  );
}

describe('delegation tokens', () => {
  it('read as the user they name', async () => {
    const user = await signUp(t, 'deleg');
    const result = await request(t.url, MeDocument, {}, { token: await delegated(user) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.me?.id).toBe(user.id);
  });

  it('may not change anything: a mutation answers FORBIDDEN with 403 and nothing changes', async () => {
    const user = await signUp(t, 'deleg');
    const result = await request(
      t.url,
      UpdateProfileDocument,
      { input: { displayName: 'Changed by a bot' } },
      { token: await delegated(user) },
    );
    expect(result.status).toBe(403);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const me = await request(t.url, MeDocument, {}, { token: user.token });
    expect(me.data?.me?.displayName).toBe(user.displayName);
  });

  it('signed with any other key is refused with 401', async () => {
    const user = await signUp(t, 'deleg');
    const forged = await delegated(user, generateKeyPairSync('ed25519').privateKey);
    const result = await request(t.url, MeDocument, {}, { token: forged });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('open no live connection: graphql-ws closes with 4403', async () => {
    const user = await signUp(t, 'deleg');
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await delegated(user)}` } }),
    );
    expect(await closed).toBe(4403);
  });
});
