import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalParticipant } from '@peerlink/live-sessions';
import type { LiveSessionSignals } from '@peerlink/contracts/live-sessions';
import { signaller } from '@peerlink/platform/events/signals';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  AcceptCallDocument,
  BlockDocument,
  UnblockDocument,
  CallMessagesDocument,
  DeclineCallDocument,
  EndLiveSessionDocument,
  JoinSessionDocument,
  LeaveSessionDocument,
  LiveSessionDocument,
  LiveSessionsDocument,
  MuteParticipantDocument,
  RemoveParticipantDocument,
  SendSignalDocument,
  SessionEventsDocument,
  SetParticipantRoleDocument,
  StartCallDocument,
  StartLiveStreamDocument,
  SessionSignalsDocument,
  SessionRecordingsDocument,
  StartRecordingDocument,
  StopRecordingDocument,
  FileDocument,
  type SessionEventsSubscription,
  type SessionSignalsSubscription,
} from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { answeredData, codes, ok, request, Subscription, wsClient } from './support/client.js';
import { follow, type Member, member, notified } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';

const RING_SECONDS = 2;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ LIVE_RING_SECONDS: String(RING_SECONDS) });
});
afterAll(async () => {
  await t?.stop();
});

const { openDirect, createGroup } = chatHelpers(() => t);

/** Live-sessions learns a conversation's members from chat's event, a moment after chat stores them. */
const startCall = (caller: Member, conversationId: string) =>
  waitFor(
    'live-sessions to know the conversation',
    async () =>
      (await request(t.url, StartCallDocument, { conversationId }, { token: caller.token })).data?.startCall ?? null,
  );

/** The session as `who` sees it; null when they may not (NOT_FOUND, as for one that does not exist). */
async function session(who: Member, id: string) {
  const { data, errors } = await request(t.url, LiveSessionDocument, { id }, { token: who.token });
  if (errors?.some((e) => e.extensions?.code !== 'NOT_FOUND')) throw new Error(JSON.stringify(errors));
  return data?.liveSession ?? null;
}

const callMessages = async (who: Member, conversationId: string) =>
  (await ok(t.url, CallMessagesDocument, { conversationId }, who.token)).conversation.messages.edges
    .map((e) => e.node)
    .filter((m) => m.kind !== 'TEXT');

/** Waits for chat to show the call messages `kinds`, in order. */
const chatShows = (who: Member, conversationId: string, kinds: string[]) =>
  waitFor(`chat to show ${kinds.join(', ')}`, async () => {
    const found = await callMessages(who, conversationId);
    return found.map((m) => m.kind).join() === kinds.join() ? found : null;
  });

async function subscribe(user: Member, variables: { sessionId?: string; current?: boolean } = {}) {
  const client = wsClient(t.url, user.token);
  const before = t.stack.gateway.live.subscriptionsOf(user.id);
  const subscription = new Subscription<SessionEventsSubscription>(client, SessionEventsDocument, variables);
  await waitFor(
    `${user.username}'s session subscription`,
    () => t.stack.gateway.live.subscriptionsOf(user.id) > before || subscription.results.length > 0,
  );
  return { subscription, close: () => client.dispose() };
}

const eventOf = (subscription: Subscription<SessionEventsSubscription>, kind: string, userId?: string) =>
  waitFor(`a ${kind} session event`, () =>
    subscription.results
      .map((r) => r.data?.sessionEvent)
      .find((e) => e?.kind === kind && (!userId || e.user?.id === userId)),
  );

describe('one-to-one calls', () => {
  it('ring the callee live and by notification; answered, the call is ACTIVE; ended by its host, chat shows it with its length', async () => {
    const [alice, bob] = await Promise.all([member(t, 'call'), member(t, 'call')]);
    const conversation = await openDirect(alice, bob);
    const bobHears = await subscribe(bob);
    try {
      const call = await startCall(alice, conversation.id);
      expect(call).toMatchObject({ kind: 'CALL', status: 'RINGING', host: { id: alice.id } });
      expect(call.conversation?.id).toBe(conversation.id);
      expect(call.participants.map((p) => [p.user?.id, p.role, p.state])).toEqual([
        [alice.id, 'HOST', 'JOINED'],
        [bob.id, 'SPEAKER', 'INVITED'],
      ]);
      const ringing = await eventOf(bobHears.subscription, 'RINGING');
      expect(ringing.session.id).toBe(call.id);
      await notified(t, bob, /is calling you/);

      const aliceHears = await subscribe(alice, { sessionId: call.id });
      try {
        const { acceptCall } = await ok(t.url, AcceptCallDocument, { sessionId: call.id }, bob.token);
        expect(acceptCall.status).toBe('ACTIVE');
        expect(acceptCall.startedAt).toBeTruthy();
        const joined = await eventOf(aliceHears.subscription, 'PARTICIPANT_JOINED', bob.id);
        expect(joined.participant).toMatchObject({ state: 'JOINED', role: 'SPEAKER' });

        expect(await codes(t.url, EndLiveSessionDocument, { sessionId: call.id }, bob.token)).toEqual(['FORBIDDEN']);
        const { endLiveSession } = await ok(t.url, EndLiveSessionDocument, { sessionId: call.id }, alice.token);
        expect(endLiveSession.status).toBe('ENDED');
        expect(endLiveSession.durationSeconds).toBeGreaterThanOrEqual(0);
        expect(endLiveSession.participants.every((p) => p.state === 'LEFT' && p.leftAt)).toBe(true);
        await eventOf(bobHears.subscription, 'SESSION_ENDED');
        await eventOf(aliceHears.subscription, 'SESSION_ENDED');
      } finally {
        aliceHears.close();
      }
      const messages = await chatShows(bob, conversation.id, ['CALL_STARTED', 'CALL_ENDED']);
      expect(messages.every((m) => m.sender?.id === alice.id)).toBe(true);
      expect(messages[1]!.body).toMatch(/^Call ended \(\d+:\d\d\)$/);
      expect(messages[1]!.callDurationSeconds).toBe((await session(alice, call.id))!.durationSeconds);
      expect(await codes(t.url, AcceptCallDocument, { sessionId: call.id }, bob.token)).toEqual(['CONFLICT']);
    } finally {
      bobHears.close();
    }
  });

  it('declined by the callee ends DECLINED, and chat says so', async () => {
    const [carol, dave] = await Promise.all([member(t, 'call'), member(t, 'call')]);
    const conversation = await openDirect(carol, dave);
    const call = await startCall(carol, conversation.id);
    expect(await codes(t.url, DeclineCallDocument, { sessionId: call.id }, carol.token)).toEqual(['FORBIDDEN']);
    const { declineCall } = await ok(t.url, DeclineCallDocument, { sessionId: call.id }, dave.token);
    expect(declineCall.status).toBe('DECLINED');
    expect(declineCall.participants.find((p) => p.user?.id === dave.id)?.state).toBe('DECLINED');
    const [, declined] = await chatShows(carol, conversation.id, ['CALL_STARTED', 'CALL_DECLINED']);
    expect(declined!.body).toBe('Call declined');
  });

  it('unanswered, ends MISSED after LIVE_RING_SECONDS: chat shows a missed call and the callee is told', async () => {
    const [erin, frank] = await Promise.all([member(t, 'call'), member(t, 'call')]);
    const conversation = await openDirect(erin, frank);
    const call = await startCall(erin, conversation.id);
    expect(await codes(t.url, StartCallDocument, { conversationId: conversation.id }, frank.token)).toEqual([
      'CONFLICT',
    ]);
    const missed = await waitFor(
      'the call to be missed',
      async () => {
        const now = await session(frank, call.id);
        return now?.status === 'MISSED' ? now : null;
      },
      RING_SECONDS * 1000 + 10_000,
    );
    expect(missed.endedAt).toBeTruthy();
    expect(missed.durationSeconds).toBeNull();
    expect(new Date(missed.endedAt!).getTime() - new Date(call.participants[0]!.joinedAt!).getTime()).toBeGreaterThan(
      RING_SECONDS * 1000 - 50,
    );
    const [, message] = await chatShows(frank, conversation.id, ['CALL_STARTED', 'CALL_MISSED']);
    expect(message!.body).toBe('Missed call');
    await notified(t, frank, /^Missed call from /);
  });
});

describe('signals from the SFU', () => {
  it('reach the one participant they are addressed to, inline, and no one else in the session', async () => {
    const [kim, lee] = await Promise.all([member(t, 'sig'), member(t, 'sig')]);
    const conversation = await openDirect(kim, lee);
    const call = await startCall(kim, conversation.id);
    await ok(t.url, AcceptCallDocument, { sessionId: call.id }, lee.token);
    const listen = async (who: Member) => {
      const client = wsClient(t.url, who.token);
      const before = t.stack.gateway.live.subscriptionsOf(who.id);
      const signals = new Subscription<SessionSignalsSubscription>(client, SessionSignalsDocument, {
        sessionId: call.id,
      });
      await waitFor(
        `${who.username}'s signal subscription`,
        () => t.stack.gateway.live.subscriptionsOf(who.id) > before,
      );
      return { signals, client };
    };
    const [kimListens, leeListens] = [await listen(kim), await listen(lee)];
    const leeWide = await subscribe(lee, { sessionId: call.id });
    const received = (s: Subscription<SessionSignalsSubscription>) =>
      s.results.map((r) => r.data?.sessionEvent).filter((e) => e?.kind === 'SIGNAL');
    try {
      // As the SFU's listener sends them.
      const signal = signaller<LiveSessionSignals>(t.stack.infrastructure.bus);
      await signalParticipant(signal, call.id, kim.id, { kind: 'OFFER', sdp: 'v=0 for kim' });
      await signalParticipant(signal, call.id, kim.id, {
        kind: 'CANDIDATE',
        candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
        sdpMid: 'mic',
        sdpMLineIndex: 0,
      });
      await signalParticipant(signal, call.id, lee.id, { kind: 'OFFER', sdp: 'v=0 for lee' });

      const forKim = await waitFor('kim’s two signals', () => {
        const found = received(kimListens.signals);
        return found.length === 2 ? found : null;
      });
      expect(forKim.map((e) => [e?.user?.id, e?.session.id, e?.signal])).toEqual([
        [kim.id, call.id, { kind: 'OFFER', sdp: 'v=0 for kim', candidate: null, sdpMid: null, sdpMLineIndex: null }],
        [
          kim.id,
          call.id,
          {
            kind: 'CANDIDATE',
            sdp: null,
            candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
            sdpMid: 'mic',
            sdpMLineIndex: 0,
          },
        ],
      ]);
      // Lee's own offer came after Kim's: by then Kim's would have reached Lee, had it been sent there.
      await waitFor('lee’s offer', () => received(leeListens.signals).length > 0);
      expect(received(leeListens.signals).map((e) => e?.signal?.sdp)).toEqual(['v=0 for lee']);
      expect(received(kimListens.signals)).toHaveLength(2);
      // A selection beyond the signal needs a lookup, which a signal has none of: it never gets one.
      await ok(t.url, LeaveSessionDocument, { sessionId: call.id }, kim.token);
      await eventOf(leeWide.subscription, 'SESSION_ENDED');
      expect(leeWide.subscription.results.some((r) => r.data?.sessionEvent?.kind === 'SIGNAL')).toBe(false);
    } finally {
      leeWide.close();
      await kimListens.client.dispose();
      await leeListens.client.dispose();
    }
  });
});

describe('who may do what', () => {
  it('outsiders may not start, answer, join, see or follow a call; bad ids and bad signals are refused', async () => {
    const [gina, hal, outsider] = await Promise.all([member(t, 'call'), member(t, 'call'), member(t, 'call')]);
    const conversation = await openDirect(gina, hal);
    const call = await startCall(gina, conversation.id);
    const sessionId = call.id;

    expect(await codes(t.url, StartCallDocument, { conversationId: conversation.id }, outsider.token)).toEqual([
      'NOT_FOUND',
    ]);
    const bySession: TypedDocumentNode<unknown, { sessionId: string }>[] = [
      AcceptCallDocument,
      DeclineCallDocument,
      JoinSessionDocument,
      LeaveSessionDocument,
    ];
    for (const document of bySession)
      expect(await codes(t.url, document, { sessionId }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, LiveSessionDocument, { id: sessionId }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, SendSignalDocument, { sessionId, input: { answer: 'v=0' } }, outsider.token)).toEqual([
      'NOT_FOUND',
    ]);

    const client = wsClient(t.url, outsider.token);
    try {
      const prying = new Subscription(client, SessionEventsDocument, { sessionId, current: true });
      await waitFor('the refusal', () => prying.error);
      const refusal = prying.error as { extensions?: { code?: string } }[];
      expect(refusal.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
      expect(prying.results).toEqual([]);
    } finally {
      await client.dispose();
    }

    const unknown = '00000000-0000-7000-8000-000000000000';
    expect(await codes(t.url, StartCallDocument, { conversationId: unknown }, gina.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, StartCallDocument, { conversationId: 'nope' }, gina.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AcceptCallDocument, { sessionId: 'nope' }, hal.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AcceptCallDocument, { sessionId: unknown }, hal.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, SendSignalDocument, { sessionId, input: {} }, hal.token)).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(
        t.url,
        SendSignalDocument,
        { sessionId, input: { answer: 'v=0', candidate: { candidate: 'x' } } },
        hal.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    // A member not yet in the call has no connection to signal on.
    expect(await codes(t.url, SendSignalDocument, { sessionId, input: { answer: 'v=0' } }, hal.token)).toEqual([
      'FORBIDDEN',
    ]);
    await ok(t.url, EndLiveSessionDocument, { sessionId }, gina.token);
  });

  it('neither side of a block may call the other in their direct conversation, until it is lifted', async () => {
    const [mia, ned] = await Promise.all([member(t, 'blk'), member(t, 'blk')]);
    const conversation = await openDirect(mia, ned);
    const call = await startCall(ned, conversation.id);
    await ok(t.url, EndLiveSessionDocument, { sessionId: call.id }, ned.token);
    await ok(t.url, BlockDocument, { userId: ned.id }, mia.token);
    for (const [caller, label] of [
      [ned, 'the blocked'],
      [mia, 'the blocker'],
    ] as const)
      await waitFor(`${label} to be refused`, async () =>
        (await codes(t.url, StartCallDocument, { conversationId: conversation.id }, caller.token)).includes(
          'FORBIDDEN',
        ),
      );
    await ok(t.url, UnblockDocument, { userId: ned.id }, mia.token);
    expect((await startCall(ned, conversation.id)).status).toBe('RINGING');
  });

  it('in a group call only the host mutes, changes roles and removes; someone removed may not come back', async () => {
    const [owner, ann, ben, outsider] = await Promise.all([
      member(t, 'grp'),
      member(t, 'grp'),
      member(t, 'grp'),
      member(t, 'grp'),
    ]);
    const group = await createGroup(owner, 'Standup', [ann, ben]);
    const call = await startCall(owner, group.id);
    expect(call.kind).toBe('GROUP_CALL');
    const sessionId = call.id;
    await ok(t.url, AcceptCallDocument, { sessionId }, ann.token);
    await ok(t.url, AcceptCallDocument, { sessionId }, ben.token);

    const onSomeone: TypedDocumentNode<unknown, { sessionId: string; userId: string }>[] = [
      MuteParticipantDocument,
      RemoveParticipantDocument,
    ];
    for (const document of onSomeone)
      expect(await codes(t.url, document, { sessionId, userId: ben.id }, ann.token)).toEqual(['FORBIDDEN']);
    expect(
      await codes(t.url, SetParticipantRoleDocument, { sessionId, userId: ben.id, role: 'VIEWER' }, ann.token),
    ).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, MuteParticipantDocument, { sessionId, userId: outsider.id }, owner.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(await codes(t.url, MuteParticipantDocument, { sessionId, userId: ben.id }, outsider.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(
      await codes(t.url, SetParticipantRoleDocument, { sessionId, userId: ben.id, role: 'HOST' }, owner.token),
    ).toEqual(['BAD_USER_INPUT']);

    expect(
      (await ok(t.url, MuteParticipantDocument, { sessionId, userId: ben.id }, owner.token)).muteParticipant,
    ).toEqual({ muted: true });
    const { setParticipantRole } = await ok(
      t.url,
      SetParticipantRoleDocument,
      { sessionId, userId: ben.id, role: 'VIEWER' },
      owner.token,
    );
    expect(setParticipantRole).toEqual({ role: 'VIEWER', state: 'JOINED' });
    const { removeParticipant } = await ok(
      t.url,
      RemoveParticipantDocument,
      { sessionId, userId: ben.id },
      owner.token,
    );
    expect(removeParticipant.state).toBe('REMOVED');
    expect(await codes(t.url, AcceptCallDocument, { sessionId }, ben.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, JoinSessionDocument, { sessionId }, ben.token)).toEqual(['FORBIDDEN']);

    // Ann leaving leaves the host alone: the call ends.
    const { leaveSession } = await ok(t.url, LeaveSessionDocument, { sessionId }, ann.token);
    expect(leaveSession.status).toBe('ENDED');
    await chatShows(owner, group.id, ['CALL_STARTED', 'CALL_ENDED']);
  });
});

describe('history and live streams', () => {
  it('liveSessions lists your own sessions newest first, page by page', async () => {
    const [ivy, jon, outsider] = await Promise.all([member(t, 'his'), member(t, 'his'), member(t, 'his')]);
    const conversation = await openDirect(ivy, jon);
    const first = await startCall(ivy, conversation.id);
    await ok(t.url, DeclineCallDocument, { sessionId: first.id }, jon.token);
    const second = await startCall(jon, conversation.id);
    await ok(t.url, EndLiveSessionDocument, { sessionId: second.id }, jon.token);
    const stream = (await ok(t.url, StartLiveStreamDocument, { title: 'Ivy live', visibility: 'PUBLIC' }, ivy.token))
      .startLiveStream;

    const page1 = (await ok(t.url, LiveSessionsDocument, { first: 2 }, ivy.token)).liveSessions;
    expect(page1.edges.map((e) => [e.node.id, e.node.status])).toEqual([
      [stream.id, 'ACTIVE'],
      [second.id, 'MISSED'],
    ]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await ok(t.url, LiveSessionsDocument, { first: 2, after: page1.pageInfo.endCursor }, ivy.token))
      .liveSessions;
    expect(page2.edges.map((e) => [e.node.id, e.node.status])).toEqual([[first.id, 'DECLINED']]);
    expect((await ok(t.url, LiveSessionsDocument, {}, outsider.token)).liveSessions.edges).toEqual([]);
    expect(await codes(t.url, LiveSessionsDocument, { after: 'junk' }, ivy.token)).toEqual(['BAD_USER_INPUT']);
  });

  it('a PUBLIC stream is visible to anyone; a FOLLOWERS one to the host’s followers only', async () => {
    const [host, stranger, fan] = await Promise.all([member(t, 'str'), member(t, 'str'), member(t, 'str')]);
    expect(await codes(t.url, StartLiveStreamDocument, { title: ' ', visibility: 'PUBLIC' }, host.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    const open = (await ok(t.url, StartLiveStreamDocument, { title: 'Open air', visibility: 'PUBLIC' }, host.token))
      .startLiveStream;
    expect(open).toMatchObject({ kind: 'LIVE_STREAM', status: 'ACTIVE', title: 'Open air', viewerCount: 0 });
    expect(open.conversation).toBeNull();
    expect(await session(stranger, open.id)).toMatchObject({ id: open.id, viewerCount: 0, host: { id: host.id } });

    const closed = (
      await ok(t.url, StartLiveStreamDocument, { title: 'Fans only', visibility: 'FOLLOWERS' }, host.token)
    ).startLiveStream;
    expect(await session(stranger, closed.id)).toBeNull();
    await follow(t, fan, host);
    await waitFor('the follower to see the stream', async () => (await session(fan, closed.id))?.id === closed.id);
    expect(await session(stranger, closed.id)).toBeNull();
    // Followers hear of a stream as it starts (social knows who they are; notifications tells them).
    await ok(t.url, StartLiveStreamDocument, { title: 'Encore', visibility: 'PUBLIC' }, host.token);
    expect((await notified(t, fan, / is live$/)).body).toBe('“Encore”');

    expect(await codes(t.url, EndLiveSessionDocument, { sessionId: open.id }, stranger.token)).toEqual(['FORBIDDEN']);
    const { endLiveSession } = await ok(t.url, EndLiveSessionDocument, { sessionId: open.id }, host.token);
    expect(endLiveSession.status).toBe('ENDED');
    expect(await codes(t.url, JoinSessionDocument, { sessionId: open.id }, stranger.token)).toEqual(['CONFLICT']);
  });
});

describe('recordings', () => {
  it('only the host starts and stops one, and only in a session still going', async () => {
    const [host, guest, outsider] = await Promise.all([member(t, 'rec'), member(t, 'rec'), member(t, 'rec')]);
    const conversation = await openDirect(host, guest);
    const call = await startCall(host, conversation.id);
    const sessionId = call.id;
    expect(await codes(t.url, StartRecordingDocument, { sessionId }, guest.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, StartRecordingDocument, { sessionId }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, StopRecordingDocument, { sessionId }, host.token)).toEqual(['CONFLICT']);
    expect((await ok(t.url, SessionRecordingsDocument, { id: sessionId }, guest.token)).liveSession).toEqual({
      recording: false,
      recordings: [],
    });
    await ok(t.url, EndLiveSessionDocument, { sessionId }, host.token);
    expect(await codes(t.url, StartRecordingDocument, { sessionId }, host.token)).toEqual(['CONFLICT']);
  });

  it('a stored recording becomes the host’s file in drive, shared with those who were in the session only', async () => {
    const [host, guest, outsider] = await Promise.all([member(t, 'rec'), member(t, 'rec'), member(t, 'rec')]);
    // As live-sessions stores and announces a recording the SFU wrote.
    const bytes = Buffer.from('a recording, as far as drive can tell');
    const storageKey = `recordings/${randomUUID()}/${randomUUID()}`;
    await t.stack.infrastructure.storage.put(storageKey, bytes, 'video/webm');
    const fileId = randomUUID();
    await t.stack.infrastructure.bus.publish({
      id: randomUUID(),
      name: 'live-sessions.recording.ready',
      occurredAt: new Date().toISOString(),
      payload: {
        recordingId: randomUUID(),
        sessionId: randomUUID(),
        hostId: host.id,
        participantIds: [guest.id],
        fileId,
        fileName: 'Call 2026-12-06 10:00.webm',
        storageKey,
        size: bytes.length,
        mimeType: 'video/webm',
        checksum: createHash('sha256').update(bytes).digest('hex'),
        durationSeconds: 3,
      },
    });
    const file = await waitFor('drive to keep the recording', async () =>
      answeredData((await request(t.url, FileDocument, { id: fileId }, { token: host.token })).data),
    );
    expect(file.file).toMatchObject({
      name: 'Call 2026-12-06 10:00.webm',
      mimeType: 'video/webm',
      size: bytes.length,
      visibility: 'RESTRICTED',
      owner: { id: host.id },
    });
    const shared = (await ok(t.url, FileDocument, { id: fileId }, guest.token)).file;
    const download = await fetch(new URL(shared.downloadUrl!, t.url));
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    expect(await codes(t.url, FileDocument, { id: fileId }, outsider.token)).toEqual(['NOT_FOUND']);
  });
});
