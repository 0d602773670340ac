import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaRefused } from '../../src/media/media-server.js';
import { settleDuration } from '../../src/media/werift-sfu.js';
import { SfuHarness } from './harness.js';

const require = createRequire(import.meta.url);
let harness: SfuHarness;

afterEach(async () => {
  await harness?.close();
});

/** Waits until `peer` has received at least `count` more packets from `userId`'s `source` than now. */
async function receivesMore(
  peer: { packetsFrom(userId: string, source: 'MICROPHONE' | 'CAMERA' | 'SCREEN'): number },
  userId: string,
  source: 'MICROPHONE' | 'CAMERA' | 'SCREEN',
  count = 20,
) {
  const before = peer.packetsFrom(userId, source);
  await waitFor(
    `${count} packets from ${userId}'s ${source}`,
    () => peer.packetsFrom(userId, source) >= before + count,
  );
}

/** The msids of the m-lines an offer sends on, in order. */
function sendingFrom(offer: string): string[] {
  return offer
    .split(/\r?\nm=/)
    .filter((section) => /\na=sendonly/.test(section))
    .map((section) => section.match(/\na=msid:([^\r\n]+)/)?.[1] ?? '');
}

async function refusalOf(promise: Promise<unknown>): Promise<MediaRefused> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(MediaRefused);
  return error as MediaRefused;
}

describe('the embedded SFU', () => {
  it('forwards each participant of a call the audio of the other', async () => {
    harness = new SfuHarness();
    const ada = await harness.join('ada', 'HOST', { publish: ['MICROPHONE'] });
    const bob = await harness.join('bob', 'SPEAKER', { publish: ['MICROPHONE'] });
    await receivesMore(ada, 'bob', 'MICROPHONE');
    await receivesMore(bob, 'ada', 'MICROPHONE');
    expect(harness.tracks.get('ada')).toEqual([{ kind: 'AUDIO', source: 'MICROPHONE', muted: false }]);
    expect(harness.tracks.get('bob')).toEqual([{ kind: 'AUDIO', source: 'MICROPHONE', muted: false }]);
    // Nobody is sent their own media back.
    expect(ada.packetsFrom('ada', 'MICROPHONE')).toBe(0);
  });

  it('forwards everyone in a group call the audio and video of both others', async () => {
    harness = new SfuHarness();
    const names = ['ada', 'bob', 'cy'];
    const peers = [];
    for (const name of names) {
      peers.push(await harness.join(name, name === 'ada' ? 'HOST' : 'SPEAKER', { publish: ['MICROPHONE', 'CAMERA'] }));
    }
    for (const [index, peer] of peers.entries()) {
      for (const other of names.filter((_, otherIndex) => otherIndex !== index)) {
        await receivesMore(peer, other, 'MICROPHONE');
        await receivesMore(peer, other, 'CAMERA');
      }
    }
    expect(harness.tracks.get('cy')).toEqual([
      { kind: 'AUDIO', source: 'MICROPHONE', muted: false },
      { kind: 'VIDEO', source: 'CAMERA', muted: false },
    ]);
  });

  it('forwards a shared screen as a second video track with source SCREEN', async () => {
    harness = new SfuHarness();
    const ada = await harness.join('ada', 'HOST', { publish: ['MICROPHONE', 'CAMERA', 'SCREEN'] });
    const bob = await harness.join('bob', 'SPEAKER', { publish: ['MICROPHONE'] });
    await receivesMore(bob, 'ada', 'SCREEN');
    // A new video subscriber has the publisher asked for a keyframe rather than wait for the next one.
    const keyframeRequests = await waitFor('a keyframe request', () => ada.keyframeRequests.get('SCREEN'));
    const cy = await harness.join('cy', 'VIEWER');
    for (const peer of [bob, cy]) {
      await receivesMore(peer, 'ada', 'SCREEN');
      await receivesMore(peer, 'ada', 'CAMERA');
    }
    expect(harness.tracks.get('ada')).toContainEqual({ kind: 'VIDEO', source: 'SCREEN', muted: false });
    await waitFor('a keyframe request for cy', () => (ada.keyframeRequests.get('SCREEN') ?? 0) > keyframeRequests);
    expect(ada.packetsFrom('bob', 'MICROPHONE')).toBeGreaterThan(0);
  });

  it('offers again when a client asks, so it can start and stop sharing its screen mid-call', async () => {
    harness = new SfuHarness();
    const ada = await harness.join('ada', 'HOST', { publish: ['MICROPHONE'] });
    const bob = await harness.join('bob', 'SPEAKER', { publish: ['MICROPHONE'] });
    await receivesMore(bob, 'ada', 'MICROPHONE');
    ada.publish('SCREEN');
    await harness.sfu.signal(harness.participant('ada'), { kind: 'RENEGOTIATE' });
    await receivesMore(bob, 'ada', 'SCREEN');
    expect(harness.tracks.get('ada')).toContainEqual({ kind: 'VIDEO', source: 'SCREEN', muted: false });
    // The client keeps writing the screen's packets: its answer alone stops them.
    ada.unpublish('SCREEN');
    await harness.sfu.signal(harness.participant('ada'), { kind: 'RENEGOTIATE' });
    await waitFor('the screen to stop', () => harness.tracks.get('ada')?.length === 1);
    await receivesMore(bob, 'ada', 'MICROPHONE', 10);
    const screen = bob.packetsFrom('ada', 'SCREEN');
    await receivesMore(bob, 'ada', 'MICROPHONE', 100);
    expect(bob.packetsFrom('ada', 'SCREEN')).toBe(screen);
  });

  it('lets a viewer receive but never publish', async () => {
    harness = new SfuHarness();
    const host = await harness.join('host', 'HOST', { publish: ['MICROPHONE'] });
    const viewer = await harness.join('viewer', 'VIEWER', { publish: ['MICROPHONE', 'CAMERA'] });
    // A viewer whose client answers that it sends on the m-lines the SFU offered only to send on.
    const rogue = await harness.join('rogue', 'VIEWER', {
      publish: ['MICROPHONE'],
      tamper: (sdp) => sdp.replaceAll('a=recvonly', 'a=sendrecv').replaceAll('a=inactive', 'a=sendrecv'),
    });
    await receivesMore(viewer, 'host', 'MICROPHONE');
    const refused = await waitFor('the rogue answer refused', () => harness.refusals.get('rogue')?.[0]);
    expect(refused).toBeInstanceOf(MediaRefused);
    expect((refused as MediaRefused).code).toBe('FORBIDDEN');
    // The viewers' offers hold no m-line for them to send on at all.
    expect(viewer.offers[0]).not.toMatch(/a=mid:(mic|cam|screen)\r?\n/);
    // While the host hears plenty, nothing of either viewer reaches anyone.
    await receivesMore(viewer, 'host', 'MICROPHONE', 100);
    for (const peer of [host, viewer, rogue]) {
      expect([...peer.received.keys()].filter((key) => !key.startsWith('host/'))).toEqual([]);
    }
    expect(harness.tracks.get('viewer') ?? []).toEqual([]);
  });

  it('stops forwarding the media of a participant who leaves, and renegotiates the others', async () => {
    harness = new SfuHarness();
    const ada = await harness.join('ada', 'HOST', { publish: ['MICROPHONE', 'CAMERA'] });
    const bob = await harness.join('bob', 'SPEAKER', { publish: ['MICROPHONE'] });
    await harness.join('cy', 'SPEAKER', { publish: ['MICROPHONE', 'CAMERA'] });
    await receivesMore(ada, 'cy', 'CAMERA');
    await receivesMore(bob, 'cy', 'MICROPHONE');
    const offersBefore = bob.offers.length;
    await harness.sfu.leave(harness.sessionId, 'cy');
    // cy's client keeps sending: only the SFU can stop the packets.
    await waitFor('a new offer to bob', () => bob.offers.length > offersBefore);
    const lastOffer = bob.offers.at(-1) ?? '';
    expect(sendingFrom(lastOffer)).toEqual(['ada MICROPHONE_ada', 'ada CAMERA_ada']);
    await waitFor('bob answered', () => bob.answers.length === bob.offers.length);
    await receivesMore(bob, 'ada', 'MICROPHONE', 10);
    const fromCy = bob.packetsFrom('cy', 'MICROPHONE') + ada.packetsFrom('cy', 'MICROPHONE');
    await receivesMore(bob, 'ada', 'MICROPHONE', 100);
    await receivesMore(ada, 'bob', 'MICROPHONE', 20);
    expect(bob.packetsFrom('cy', 'MICROPHONE') + ada.packetsFrom('cy', 'MICROPHONE')).toBe(fromCy);
    expect(harness.tracks.get('cy')).toEqual([]);
    // Someone joining later is sent on the m-lines cy left: the offer grows no new ones.
    const mLines = lastOffer.match(/^m=/gm)?.length;
    await harness.join('dan', 'SPEAKER', { publish: ['MICROPHONE', 'CAMERA'] });
    await receivesMore(bob, 'dan', 'MICROPHONE');
    await receivesMore(bob, 'dan', 'CAMERA');
    expect(bob.offers.at(-1)?.match(/^m=/gm)?.length).toBe(mLines);
  });

  it('stops forwarding a source the host mutes', async () => {
    harness = new SfuHarness();
    await harness.join('ada', 'HOST', { publish: ['MICROPHONE'] });
    const bob = await harness.join('bob', 'SPEAKER', { publish: ['MICROPHONE'] });
    await waitFor('bob publishes', () => harness.tracks.get('bob')?.length);
    const ada = harness.peers.get('ada');
    if (!ada) throw new Error('ada is gone');
    await receivesMore(ada, 'bob', 'MICROPHONE');
    await harness.sfu.mute(harness.participant('bob'), 'MICROPHONE');
    expect(harness.tracks.get('bob')).toEqual([{ kind: 'AUDIO', source: 'MICROPHONE', muted: true }]);
    // Packets already on their way when forwarding stopped land first: the other direction moving on shows it.
    await receivesMore(bob, 'ada', 'MICROPHONE', 10);
    const heard = ada.packetsFrom('bob', 'MICROPHONE');
    await receivesMore(bob, 'ada', 'MICROPHONE', 100);
    expect(ada.packetsFrom('bob', 'MICROPHONE')).toBe(heard);
  });

  it('offers a viewer made speaker the sources to publish, and forwards them', async () => {
    harness = new SfuHarness();
    const host = await harness.join('host', 'HOST', { publish: ['MICROPHONE'] });
    const guest = await harness.join('guest', 'VIEWER', { publish: ['MICROPHONE'] });
    await receivesMore(guest, 'host', 'MICROPHONE');
    expect(host.packetsFrom('guest', 'MICROPHONE')).toBe(0);
    harness.roles.set('guest', 'SPEAKER');
    await harness.sfu.updateRole(harness.participant('guest'));
    await receivesMore(host, 'guest', 'MICROPHONE');
    expect(guest.offers.at(-1)).toMatch(/a=mid:mic/);
    harness.roles.set('guest', 'VIEWER');
    await harness.sfu.updateRole(harness.participant('guest'));
    await waitFor('the guest no longer publishing', () => harness.tracks.get('guest')?.length === 0);
    await receivesMore(guest, 'host', 'MICROPHONE', 10);
    const heard = host.packetsFrom('guest', 'MICROPHONE');
    await receivesMore(guest, 'host', 'MICROPHONE', 100);
    expect(host.packetsFrom('guest', 'MICROPHONE')).toBe(heard);
  });

  it('refuses malformed SDP, answers nobody asked for, and signals from someone not connected', async () => {
    harness = new SfuHarness();
    await harness.join('ada', 'HOST', { manual: true });
    await waitFor('the offer to ada', () => harness.pendingOffers.get('ada')?.length);
    const ada = harness.participant('ada');
    expect((await refusalOf(harness.sfu.signal(ada, { kind: 'ANSWER', sdp: 'not sdp at all' }))).code).toBe(
      'BAD_USER_INPUT',
    );
    const truncated = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    expect((await refusalOf(harness.sfu.signal(ada, { kind: 'ANSWER', sdp: truncated }))).code).toBe('BAD_USER_INPUT');
    const truthful = harness.peers.get('ada');
    await truthful?.takeOffer(harness.pendingOffers.get('ada')?.[0] ?? '');
    expect(truthful?.answers).toHaveLength(1);
    // The same answer again: no offer is waiting for it.
    const again = harness.sfu.signal(ada, { kind: 'ANSWER', sdp: truthful?.answers[0] ?? '' });
    expect((await refusalOf(again)).code).toBe('BAD_USER_INPUT');
    const stranger = { sessionId: harness.sessionId, userId: 'eve', role: 'SPEAKER' as const };
    expect((await refusalOf(harness.sfu.signal(stranger, { kind: 'ANSWER', sdp: truncated }))).code).toBe('CONFLICT');
    const candidate = { kind: 'CANDIDATE' as const, candidate: 'candidate:nonsense', sdpMid: '0', sdpMLineIndex: 0 };
    expect((await refusalOf(harness.sfu.signal(ada, candidate))).code).toBe('BAD_USER_INPUT');
  });

  it('records about three seconds of audio and video to a WebM file ffprobe reads', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sfu-recording-'));
    try {
      harness = new SfuHarness('session-rec', directory);
      const ada = await harness.join('ada', 'HOST', { publish: ['MICROPHONE', 'CAMERA'] });
      const bob = await harness.join('bob', 'SPEAKER', { publish: ['MICROPHONE'] });
      await receivesMore(bob, 'ada', 'CAMERA');
      await receivesMore(ada, 'bob', 'MICROPHONE');
      await harness.sfu.startRecording(harness.sessionId);
      const started = Date.now();
      // Three seconds of media, counted in packets the SFU forwarded (30 video frames a second).
      await receivesMore(bob, 'ada', 'CAMERA', 90);
      const recorded = await harness.sfu.stopRecording(harness.sessionId);
      const elapsed = (Date.now() - started) / 1000;
      expect(recorded).not.toBeNull();
      expect(recorded?.mimeType).toBe('video/webm');
      expect(recorded?.size).toBeGreaterThan(1000);
      const ffprobe = (require('@ffprobe-installer/ffprobe') as { path: string }).path;
      const { stdout } = await promisify(execFile)(ffprobe, [
        '-v',
        'error',
        '-show_entries',
        'format=duration:stream=codec_type,codec_name',
        '-of',
        'json',
        recorded?.path ?? '',
      ]);
      const probed = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_type: string }[] };
      expect(probed.streams.map((stream) => stream.codec_type).sort()).toEqual(['audio', 'video']);
      const duration = Number(probed.format.duration);
      expect(duration).toBeGreaterThan(elapsed - 1.5);
      expect(duration).toBeLessThan(elapsed + 1.5);
      // Whole seconds, measured from RTP timestamps rather than by reading the file back.
      expect(Math.abs((recorded?.durationSeconds ?? 0) - duration)).toBeLessThanOrEqual(1.5);
      // When werift's writer does not reach its end in time, the file keeps the placeholder it starts with
      // (a day) unless the SFU writes the duration itself.
      const probedDuration = async () => {
        const { stdout: probedAgain } = await promisify(execFile)(ffprobe, [
          ...['-v', 'error', '-show_entries', 'format=duration', '-of', 'json', recorded?.path ?? ''],
        ]);
        return Number((JSON.parse(probedAgain) as { format: { duration: string } }).format.duration);
      };
      await settleDuration(recorded?.path ?? '', 86_400);
      expect(await probedDuration()).toBe(86_400);
      await settleDuration(recorded?.path ?? '', 3);
      expect(await probedDuration()).toBeCloseTo(3, 1);
    } finally {
      await harness.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
