import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MediaJoin, MediaParticipant, MediaServer } from '../../src/media/media-server.js';
import { MediaRefused } from '../../src/media/media-server.js';

/** One media server under test, with what the contract cannot learn through the interface alone. */
export interface ContractSubject {
  server: MediaServer;
  /** The ICE servers the server was configured with (join hands them out as they are). */
  iceServers: MediaJoin['iceServers'];
  /**
   * Whether what `join` gave this participant lets them publish: for LiveKit the token's grant, for
   * the embedded SFU whether its offer holds a transceiver the client may send on.
   */
  mayPublish(participant: MediaParticipant, join: MediaJoin): Promise<boolean>;
  /** Releases what the factory started (fake servers, sockets). */
  stop(): Promise<void>;
}

/**
 * What every MediaServer must do alike, whatever carries the media: each adapter's spec calls this
 * with a factory making a fresh subject per test.
 */
export function mediaServerContract(name: string, makeSubject: () => Promise<ContractSubject>): void {
  describe(`MediaServer contract: ${name}`, () => {
    let subject: ContractSubject;
    let sessionCount = 0;
    const participant = (role: MediaParticipant['role'], userId = `user-${role.toLowerCase()}`) => ({
      sessionId: `contract-session-${++sessionCount}`,
      userId,
      role,
    });

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.server.close();
      await subject.stop();
    });

    it('join hands out the configured ICE servers and an expiry in the future', async () => {
      const join = await subject.server.join(participant('HOST'));
      expect(join.iceServers).toEqual(subject.iceServers);
      expect(join.expiresAt.getTime()).toBeGreaterThan(Date.now());
    });

    it('a viewer may not publish; a host and a speaker may', async () => {
      for (const role of ['HOST', 'SPEAKER'] as const) {
        const host = participant(role);
        expect(await subject.mayPublish(host, await subject.server.join(host)), role).toBe(true);
      }
      const viewer = participant('VIEWER');
      expect(await subject.mayPublish(viewer, await subject.server.join(viewer))).toBe(false);
    });

    it('leave and endSession may be repeated, and may name what was never there', async () => {
      const speaker = participant('SPEAKER');
      await subject.server.join(speaker);
      await subject.server.leave(speaker.sessionId, speaker.userId);
      await subject.server.leave(speaker.sessionId, speaker.userId);
      await subject.server.leave(speaker.sessionId, 'never-joined');
      await subject.server.endSession(speaker.sessionId);
      await subject.server.endSession(speaker.sessionId);
      await subject.server.endSession('never-started');
    });

    it('a signal after the session ended is refused', async () => {
      const speaker = participant('SPEAKER');
      await subject.server.join(speaker);
      await subject.server.endSession(speaker.sessionId);
      const refused = await subject.server.signal(speaker, { kind: 'ANSWER', sdp: 'v=0\r\n' }).catch((e) => e);
      expect(refused).toBeInstanceOf(MediaRefused);
    });
  });
}
