import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { lockRow } from '@peerlink/platform/db/sql';
import { conflict, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { uuidv7 } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import { SessionEventKind, tellSession } from './live.js';
import type { LiveSessionLoaders } from './loaders.js';
import type { MediaServer } from './media/media-server.js';
import { isOpen } from './rules.js';
import { LiveSession, Participant, ParticipantState, Recording } from './session.entity.js';
import { audienceOf, mediaError } from './session.service.js';

/**
 * Recording, by the host: the media server writes the session's tracks to a file; once it stops (or the
 * session ends) the file goes to object storage and drive keeps it as the host's, shared with everyone
 * who was in the session. Claim, commit, call the media server, then record what it made.
 */
export class RecordingService {
  constructor(
    private readonly outbox: Outbox<LiveSessionEvents>,
    private readonly media: MediaServer,
    private readonly storage: ObjectStorage,
    private readonly logger: Logger,
  ) {}

  /** Marks the session recording (or not), as its host; `from` is what it must be now. */
  private async claim(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders, from: boolean) {
    const visible = await loaders.visibleSession(sessionId);
    if (!visible) throw notFound('Live session');
    if (visible.hostId !== viewer.userId) throw forbidden('Only the host records the session.');
    return this.outbox.transaction(async (em, publish) => {
      await lockRow(em, 'sessions', visible.id);
      const session = await em.findOneOrFail(LiveSession, { id: visible.id }, { refresh: true });
      if (!isOpen(session.status)) throw conflict('This session is over.', 'sessionId');
      if (session.recording !== from)
        throw conflict(from ? 'The session is not being recorded.' : 'The session is being recorded.', 'sessionId');
      session.recording = !from;
      await this.tell(em, publish, session, SessionEventKind.RECORDING_CHANGED);
      return session;
    });
  }

  private async tell(
    em: EntityManager,
    publish: Publish<LiveSessionEvents>,
    session: LiveSession,
    kind: SessionEventKind,
  ) {
    const participants = await em.find(Participant, { sessionId: session.id }, { refresh: true });
    tellSession(publish, { kind, sessionId: session.id }, audienceOf(session, participants));
  }

  async start(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders): Promise<LiveSession> {
    const session = await this.claim(viewer, sessionId, loaders, false);
    try {
      await this.media.startRecording(session.id);
    } catch (error) {
      await this.outbox.transaction(async (em, publish) => {
        await lockRow(em, 'sessions', session.id);
        const now = await em.findOneOrFail(LiveSession, { id: session.id }, { refresh: true });
        now.recording = false;
        await this.tell(em, publish, now, SessionEventKind.RECORDING_CHANGED);
      });
      throw mediaError(error);
    }
    return session;
  }

  async stop(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders): Promise<LiveSession> {
    const session = await this.claim(viewer, sessionId, loaders, true);
    await this.store(session);
    return session;
  }

  /** Takes the finished file from the media server into storage, then records and announces it. */
  async store(session: LiveSession): Promise<Recording | null> {
    const file = await this.media.stopRecording(session.id);
    if (!file) return null;
    const bytes = await readFile(file.path);
    const storageKey = `recordings/${session.id}/${uuidv7()}`;
    await this.storage.put(storageKey, bytes, file.mimeType);
    await rm(file.path, { force: true }).catch((err) => this.logger.warn({ err }, 'recording file left behind'));
    const day = (session.startedAt ?? session.createdAt).toISOString().slice(0, 16).replace('T', ' ');
    const fileName = `${session.title ?? 'Call'} ${day}.webm`;
    return this.outbox.transaction(async (em, publish) => {
      const participants = await em.find(Participant, { sessionId: session.id }, { refresh: true });
      const recording = em.create(Recording, {
        sessionId: session.id,
        fileId: uuidv7(),
        fileName,
        size: bytes.length,
        durationSeconds: Math.round(file.durationSeconds),
      });
      const everIn = participants.filter((p) => p.joinedAt && p.state !== ParticipantState.REMOVED);
      publish('live-sessions.recording.ready', {
        recordingId: recording.id,
        sessionId: session.id,
        hostId: session.hostId,
        participantIds: everIn.map((p) => p.userId).filter((id) => id !== session.hostId),
        fileId: recording.fileId,
        fileName,
        storageKey,
        size: bytes.length,
        mimeType: file.mimeType,
        checksum: createHash('sha256').update(bytes).digest('hex'),
        durationSeconds: recording.durationSeconds,
      });
      tellSession(
        publish,
        { kind: SessionEventKind.RECORDING_READY, sessionId: session.id },
        audienceOf(
          session,
          participants,
          everIn.map((p) => p.userId),
        ),
      );
      return recording;
    });
  }
}
