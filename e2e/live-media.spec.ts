import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptCallDocument,
  EndLiveSessionDocument,
  FileDocument,
  JoinSessionDocument,
  LiveSessionDocument,
  MuteParticipantDocument,
  RemoveParticipantDocument,
  SendSignalDocument,
  SessionRecordingsDocument,
  SetParticipantRoleDocument,
  StartCallDocument,
  StartLiveStreamDocument,
  StartRecordingDocument,
  StopRecordingDocument,
} from './generated/graphql.js';
import { chatHelpers } from './support/chat.js';
import { codes, ok, request } from './support/client.js';
import { TestPeer, type TestPeerOptions } from './support/live.js';
import { type Member, member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { probe } from './support/video.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const { openDirect, createGroup } = chatHelpers(() => t);

/** Every peer a test opened, closed after it. */
let peers: TestPeer[] = [];
afterEach(async () => {
  await Promise.all(peers.map((peer) => peer.close()));
  peers = [];
});

/** Live-sessions learns a conversation's members from chat's event, a moment after chat stores them. */
const startCall = (caller: Member, conversationId: string) =>
  waitFor(
    'live-sessions to know the conversation',
    async () =>
      (await request(t.url, StartCallDocument, { conversationId }, { token: caller.token })).data?.startCall ?? null,
  );

/** A client of `who` in the session: subscribed, joined, its first offer answered. */
async function connect(who: Member, sessionId: string, options?: TestPeerOptions) {
  const peer = new TestPeer(t, who, sessionId, options);
  peers.push(peer);
  return peer.connect();
}

/** A call from a direct conversation (or a group), answered and joined by everyone in it. */
async function call(host: Member, others: Member[], options: Map<Member, TestPeerOptions> = new Map()) {
  const conversation =
    others.length === 1 ? await openDirect(host, others[0]!) : await createGroup(host, 'Media call', others);
  const session = await startCall(host, conversation.id);
  const hostPeer = await connect(host, session.id, options.get(host));
  const otherPeers: TestPeer[] = [];
  for (const other of others) {
    await ok(t.url, AcceptCallDocument, { sessionId: session.id }, other.token);
    otherPeers.push(await connect(other, session.id, options.get(other)));
  }
  return { session, peers: [hostPeer, ...otherPeers] };
}

/**
 * That nothing more of `userId`'s source reaches `listeners`: media still flowing from `witness` to `via`
 * shows time passed (packets in flight when forwarding stopped land first, hence the first wait).
 */
async function receivesNoMore(listeners: TestPeer[], userId: string, via: TestPeer, witness: string) {
  await via.receivesMore(witness, 'MICROPHONE', 10);
  const heard = listeners.map((peer) => peer.packetsFrom(userId));
  await via.receivesMore(witness, 'MICROPHONE', 100);
  expect(listeners.map((peer) => peer.packetsFrom(userId))).toEqual(heard);
}

/** What ffprobe reads of a recording, downloaded by `who` through the file's download URL. */
async function probeRecording(fileId: string, who: Member) {
  const file = await waitFor('drive to keep the recording', async () => {
    const { data } = await request(t.url, FileDocument, { id: fileId }, { token: who.token });
    return data?.file ?? null;
  });
  const download = await fetch(new URL(file.downloadUrl!, t.url));
  expect(download.status).toBe(200);
  const folder = await mkdtemp(join(tmpdir(), 'live-recording-'));
  try {
    const path = join(folder, 'recording.webm');
    await writeFile(path, Buffer.from(await download.arrayBuffer()));
    return await probe(path);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

describe('media through the SFU, signalled through the gateway', () => {
  it('in a call, each of the two receives the audio of the other, and only their own signals', async () => {
    const [ada, bob] = await Promise.all([member(t, 'med'), member(t, 'med')]);
    const {
      session,
      peers: [adaPeer, bobPeer],
    } = await call(ada, [bob]);
    await adaPeer!.receivesMore(bob.id);
    await bobPeer!.receivesMore(ada.id);
    // Nobody is sent their own media back, nor anything but microphones.
    expect(adaPeer!.heardFrom()).toEqual([`${bob.id}/MICROPHONE`]);
    expect(bobPeer!.heardFrom()).toEqual([`${ada.id}/MICROPHONE`]);
    for (const [peer, user] of [
      [adaPeer!, ada],
      [bobPeer!, bob],
    ] as const) {
      const signals = peer.events.filter((event) => event.kind === 'SIGNAL');
      expect(signals.length).toBeGreaterThan(0);
      expect(signals.every((event) => event.user?.id === user.id)).toBe(true);
    }

    // Bob's client reloads: joining again replaces his connection, and the media flows both ways again.
    await bobPeer!.close();
    const reloaded = await connect(bob, session.id);
    await reloaded.receivesMore(ada.id);
    await adaPeer!.receivesMore(bob.id);
    expect(reloaded.heardFrom()).toEqual([`${ada.id}/MICROPHONE`]);
  });

  it('in a group call, each of three receives the audio of both others', async () => {
    const members = await Promise.all([member(t, 'med'), member(t, 'med'), member(t, 'med')]);
    const { session, peers: joined } = await call(members[0]!, members.slice(1));
    expect(session.kind).toBe('GROUP_CALL');
    for (const [index, peer] of joined.entries()) {
      for (const other of members.filter((_, otherIndex) => otherIndex !== index)) await peer.receivesMore(other.id);
      expect(peer.heardFrom().sort()).toEqual(
        members
          .filter((_, otherIndex) => otherIndex !== index)
          .map((other) => `${other.id}/MICROPHONE`)
          .sort(),
      );
    }
  });

  it('a screen shared mid-call reaches the others as a VIDEO track with source SCREEN, until it stops', async () => {
    const [ada, bob, cy] = await Promise.all([member(t, 'med'), member(t, 'med'), member(t, 'med')]);
    const {
      session,
      peers: [adaPeer, bobPeer, cyPeer],
    } = await call(ada, [bob, cy]);
    await adaPeer!.receivesMore(bob.id);
    const tracksOfBob = (count: number) =>
      waitFor(`the session to show ${count} tracks of bob`, async () => {
        const { liveSession } = await ok(t.url, LiveSessionDocument, { id: session.id }, cy.token);
        const tracks = liveSession.participants.find((p) => p.user?.id === bob.id)?.tracks ?? [];
        return tracks.length === count ? tracks : null;
      });

    await bobPeer!.startSending('SCREEN');
    await adaPeer!.receivesMore(bob.id, 'SCREEN');
    await cyPeer!.receivesMore(bob.id, 'SCREEN');
    expect(await tracksOfBob(2)).toEqual([
      { kind: 'AUDIO', source: 'MICROPHONE', muted: false },
      { kind: 'VIDEO', source: 'SCREEN', muted: false },
    ]);

    // Its client keeps writing the screen's packets: the SFU stops forwarding them as the answer says.
    await bobPeer!.stopSending('SCREEN');
    expect(await tracksOfBob(1)).toEqual([{ kind: 'AUDIO', source: 'MICROPHONE', muted: false }]);
    await adaPeer!.receivesMore(bob.id, 'MICROPHONE', 10);
    const screens = [adaPeer!, cyPeer!].map((peer) => peer.packetsFrom(bob.id, 'SCREEN'));
    await adaPeer!.receivesMore(bob.id, 'MICROPHONE', 100);
    expect([adaPeer!, cyPeer!].map((peer) => peer.packetsFrom(bob.id, 'SCREEN'))).toEqual(screens);
  });

  it('a live stream reaches its viewers, counted; a viewer that tries to publish is refused and heard by no one', async () => {
    const [host, ...viewers] = await Promise.all([member(t, 'med'), member(t, 'med'), member(t, 'med')]);
    const rogue = await member(t, 'med');
    const stream = (await ok(t.url, StartLiveStreamDocument, { title: 'On air', visibility: 'PUBLIC' }, host.token))
      .startLiveStream;
    const hostPeer = await connect(host, stream.id, { publishes: ['MICROPHONE', 'CAMERA'] });
    const viewerPeers = [];
    for (const viewer of viewers) viewerPeers.push(await connect(viewer, stream.id, { publishes: ['MICROPHONE'] }));
    // Its client claims to send on every m-line the SFU offered it, which only sends to it.
    const roguePeer = await connect(rogue, stream.id, {
      publishes: ['MICROPHONE', 'CAMERA'],
      tamper: (sdp) => sdp.replace(/a=(recvonly|inactive)/g, 'a=sendonly'),
    });
    expect(roguePeer.join?.participant.role).toBe('VIEWER');
    expect(roguePeer.refusals[0]).toBe('FORBIDDEN');
    for (const viewer of viewerPeers) {
      expect(viewer.join?.participant.role).toBe('VIEWER');
      await viewer.receivesMore(host.id, 'MICROPHONE');
      await viewer.receivesMore(host.id, 'CAMERA');
    }
    const { liveSession } = await ok(t.url, LiveSessionDocument, { id: stream.id }, host.token);
    expect(liveSession.viewerCount).toBe(3);
    expect(liveSession.participants.filter((p) => p.tracks.length > 0).map((p) => p.user?.id)).toEqual([host.id]);
    // While the viewers hear plenty of the host, nothing of any viewer reaches anyone.
    await viewerPeers[0]!.receivesMore(host.id, 'MICROPHONE', 100);
    expect(hostPeer.heardFrom()).toEqual([]);
    for (const peer of [...viewerPeers, roguePeer])
      expect(peer.heardFrom().filter((key) => !key.startsWith(`${host.id}/`))).toEqual([]);

    // Made a speaker, a viewer is offered a microphone, and heard.
    const [promoted] = viewers;
    await ok(
      t.url,
      SetParticipantRoleDocument,
      { sessionId: stream.id, userId: promoted!.id, role: 'SPEAKER' },
      host.token,
    );
    await hostPeer.receivesMore(promoted!.id);
    await viewerPeers[1]!.receivesMore(promoted!.id);
    expect((await ok(t.url, LiveSessionDocument, { id: stream.id }, host.token)).liveSession.viewerCount).toBe(2);
    await ok(t.url, EndLiveSessionDocument, { sessionId: stream.id }, host.token);
  });

  it('the host mutes one, whose audio stops, and removes another, whose media stops and who is told', async () => {
    const [host, muted, removed] = await Promise.all([member(t, 'med'), member(t, 'med'), member(t, 'med')]);
    const {
      session,
      peers: [hostPeer, mutedPeer, removedPeer],
    } = await call(host, [muted, removed]);
    for (const peer of [hostPeer!, mutedPeer!]) await peer.receivesMore(removed.id);
    await hostPeer!.receivesMore(muted.id);

    await ok(t.url, MuteParticipantDocument, { sessionId: session.id, userId: muted.id }, host.token);
    // Its client keeps sending: only the SFU can stop the packets.
    await receivesNoMore([hostPeer!, removedPeer!], muted.id, mutedPeer!, host.id);
    const { liveSession } = await ok(t.url, LiveSessionDocument, { id: session.id }, removed.token);
    expect(liveSession.participants.find((p) => p.user?.id === muted.id)).toMatchObject({
      muted: true,
      tracks: [{ kind: 'AUDIO', source: 'MICROPHONE', muted: true }],
    });
    // They unmute by sending their microphone again: stopped, then started, each through a new offer.
    await mutedPeer!.stopSending('MICROPHONE');
    await mutedPeer!.startSending('MICROPHONE');
    await hostPeer!.receivesMore(muted.id);
    await waitFor('the session to show them unmuted', async () => {
      const now = await ok(t.url, LiveSessionDocument, { id: session.id }, host.token);
      const them = now.liveSession.participants.find((p) => p.user?.id === muted.id);
      return them?.muted === false && them.tracks[0]?.muted === false;
    });

    const { removeParticipant } = await ok(
      t.url,
      RemoveParticipantDocument,
      { sessionId: session.id, userId: removed.id },
      host.token,
    );
    expect(removeParticipant.state).toBe('REMOVED');
    await removedPeer!.eventOf('PARTICIPANT_CHANGED', removed.id);
    await receivesNoMore([hostPeer!, mutedPeer!], removed.id, mutedPeer!, host.id);
    const answer = removedPeer!.media?.answers.at(-1) ?? '';
    expect(await codes(t.url, SendSignalDocument, { sessionId: session.id, input: { answer } }, removed.token)).toEqual(
      ['FORBIDDEN'],
    );
  });

  it('a recording becomes a file of the host, of about the length recorded, readable by the other only', async () => {
    const [host, guest, outsider] = await Promise.all([member(t, 'med'), member(t, 'med'), member(t, 'med')]);
    const options = new Map([[host, { publishes: ['MICROPHONE', 'CAMERA'] } as TestPeerOptions]]);
    const {
      session,
      peers: [hostPeer, guestPeer],
    } = await call(host, [guest], options);
    await guestPeer!.receivesMore(host.id, 'CAMERA');
    await hostPeer!.receivesMore(guest.id);
    await ok(t.url, StartRecordingDocument, { sessionId: session.id }, host.token);
    const started = Date.now();
    // Three seconds of media, counted in frames the SFU forwarded (30 a second).
    await guestPeer!.receivesMore(host.id, 'CAMERA', 90);
    const elapsed = (Date.now() - started) / 1000;
    await ok(t.url, StopRecordingDocument, { sessionId: session.id }, host.token);
    const recording = await waitFor('the recording to be stored', async () => {
      const { liveSession } = await ok(t.url, SessionRecordingsDocument, { id: session.id }, host.token);
      return liveSession.recordings[0]?.file ? liveSession.recordings[0] : null;
    });
    const fileId = recording.file!.id;
    const file = await waitFor('drive to keep the recording', async () => {
      const { data } = await request(t.url, FileDocument, { id: fileId }, { token: host.token });
      return data?.file ?? null;
    });
    expect(file).toMatchObject({ mimeType: 'video/webm', owner: { id: host.id }, size: recording.size });
    const probed = await probeRecording(fileId, guest);
    expect(probed.streams.map((stream) => stream.kind).sort()).toEqual(['audio', 'video']);
    expect(probed.durationSeconds).toBeGreaterThan(elapsed - 1.5);
    expect(probed.durationSeconds).toBeLessThan(elapsed + 1.5);
    expect(Math.abs((recording.durationSeconds ?? 0) - probed.durationSeconds)).toBeLessThanOrEqual(1.5);
    expect(await codes(t.url, FileDocument, { id: fileId }, outsider.token)).toEqual(['NOT_FOUND']);

    // A second one, still going when the host ends the session: the end stores it too. (Not probed: werift's
    // writer sometimes writes nothing of a recording this short; see the report in the commit.)
    await ok(t.url, StartRecordingDocument, { sessionId: session.id }, host.token);
    await guestPeer!.receivesMore(host.id, 'CAMERA', 30);
    await ok(t.url, EndLiveSessionDocument, { sessionId: session.id }, host.token);
    const second = await waitFor('the second recording to be stored', async () => {
      const { liveSession } = await ok(t.url, SessionRecordingsDocument, { id: session.id }, guest.token);
      return liveSession.recordings[1]?.file ? liveSession : null;
    });
    expect(second.recording).toBe(false);
    expect(second.recordings[1]!.size).toBeGreaterThan(0);
  });
});

describe('signals that are refused', () => {
  it('malformed SDP, a signal for a session not joined, and an outsider listening in', async () => {
    const [host, guest, passerby, outsider] = await Promise.all([
      member(t, 'med'),
      member(t, 'med'),
      member(t, 'med'),
      member(t, 'med'),
    ]);
    const conversation = await openDirect(host, guest);
    const session = await startCall(host, conversation.id);
    const prying = new TestPeer(t, outsider, session.id);
    peers.push(prying);
    await prying.listen();

    // A client that joins but answers by hand.
    const manual = new TestPeer(t, host, session.id);
    peers.push(manual);
    await manual.listen();
    await ok(t.url, JoinSessionDocument, { sessionId: session.id }, host.token);
    const offer = await manual.eventOf('SIGNAL');
    expect(offer.signal?.kind).toBe('OFFER');
    const signal = (answer: string, who = host, sessionId = session.id) =>
      codes(t.url, SendSignalDocument, { sessionId, input: { answer } }, who.token);
    expect(await signal('not sdp at all')).toEqual(['BAD_USER_INPUT']);
    expect(await signal('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n')).toEqual(['BAD_USER_INPUT']);
    const renegotiate = (value: boolean) =>
      codes(t.url, SendSignalDocument, { sessionId: session.id, input: { renegotiate: value } }, host.token);
    expect(await renegotiate(false)).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(
        t.url,
        SendSignalDocument,
        { sessionId: session.id, input: { renegotiate: true, answer: 'v=0' } },
        host.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await renegotiate(true)).toEqual([]);

    // A public stream anyone may see, but the passer-by has not joined.
    const stream = (await ok(t.url, StartLiveStreamDocument, { title: 'Open', visibility: 'PUBLIC' }, guest.token))
      .startLiveStream;
    expect(await signal('v=0', passerby, stream.id)).toEqual(['FORBIDDEN']);

    // The guest's answer and the media flow: none of it reaches the outsider's subscription.
    await ok(t.url, AcceptCallDocument, { sessionId: session.id }, guest.token);
    const guestPeer = await connect(guest, session.id);
    await guestPeer.eventOf('SIGNAL');
    // Trickled candidates: a well-formed one is taken, nonsense is refused.
    const candidate = (text: string, who: Member) =>
      request(
        t.url,
        SendSignalDocument,
        { sessionId: session.id, input: { candidate: { candidate: text, sdpMid: 'mic', sdpMLineIndex: 0 } } },
        { token: who.token },
      );
    const hostCandidate = 'candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host';
    expect((await candidate(hostCandidate, guest)).data?.sendSignal).toBe(true);
    // Before the answer too: HTTP requests may overtake each other.
    expect((await candidate(hostCandidate, host)).data?.sendSignal).toBe(true);
    const nonsense = await candidate('candidate:nonsense', guest);
    expect(nonsense.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    await manual.eventOf('PARTICIPANT_JOINED', guest.id);
    expect(prying.events).toEqual([]);
    // The gateway holds the subscription (it is refused only with `current: true`) but sends it nothing.
    expect(prying.subscriptionError).toBeUndefined();
    await ok(t.url, EndLiveSessionDocument, { sessionId: session.id }, host.token);
    await guestPeer.eventOf('SESSION_ENDED');
    expect(prying.events).toEqual([]);
    await ok(t.url, EndLiveSessionDocument, { sessionId: stream.id }, guest.token);
  });
});
