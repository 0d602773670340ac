import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptCallDocument,
  EndLiveSessionDocument,
  LiveSessionDocument,
  StartCallDocument,
} from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { ok, request } from './support/client.js';
import { TestPeer } from './support/live.js';
import { member } from './support/social.js';
import { startEmbeddedTestStack, type TestStack } from './support/stack.js';

/** A call with real media on the embedded adapters: the in-process bus carries the signalling's events. */
let t: TestStack;
beforeAll(async () => {
  t = await startEmbeddedTestStack();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

const { openDirect } = chatHelpers(() => t);

describe('live sessions in embedded mode', () => {
  it('carry a call’s audio both ways through the SFU, with nothing outside the process', async () => {
    expect(t.stack.infrastructure.adapters).toMatchObject({ database: 'pglite', bus: 'in-process', cache: 'memory' });
    const [ada, bob] = await Promise.all([member(t, 'emb'), member(t, 'emb')]);
    const conversation = await openDirect(ada, bob);
    const session = await waitFor(
      'live-sessions to know the conversation',
      async () =>
        (await request(t.url, StartCallDocument, { conversationId: conversation.id }, { token: ada.token })).data
          ?.startCall ?? null,
    );
    const adaPeer = await new TestPeer(t, ada, session.id).connect();
    await ok(t.url, AcceptCallDocument, { sessionId: session.id }, bob.token);
    const bobPeer = await new TestPeer(t, bob, session.id).connect();
    try {
      await adaPeer.receivesMore(bob.id);
      await bobPeer.receivesMore(ada.id);
      expect(adaPeer.heardFrom()).toEqual([`${bob.id}/MICROPHONE`]);
      expect(bobPeer.heardFrom()).toEqual([`${ada.id}/MICROPHONE`]);
    } finally {
      await Promise.all([adaPeer.close(), bobPeer.close()]);
    }
    await ok(t.url, EndLiveSessionDocument, { sessionId: session.id }, ada.token);
    const { liveSession } = await ok(t.url, LiveSessionDocument, { id: session.id }, bob.token);
    expect(liveSession.status).toBe('ENDED');
  });
});
