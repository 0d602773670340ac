import type { EntityManager } from '@mikro-orm/postgresql';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { lockRow, rows, table } from '@peerlink/platform/db/sql';
import { AppError, badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { decodeCursor, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import { SessionEventKind, tellSession } from './live.js';
import type { RecordingService } from './recording.service.js';
import type { LiveSessionLoaders } from './loaders.js';
import { MediaRefused, type MediaServer } from './media/media-server.js';
import {
  callKindFor,
  durationSeconds,
  endsWhenLeft,
  isOpen,
  maySee,
  statusAfterDecline,
  statusOnEnd,
} from './rules.js';
import {
  LiveSession,
  Participant,
  ParticipantRole,
  ParticipantState,
  SessionKind,
  SessionStatus,
  type StreamVisibility,
} from './session.entity.js';

export type Tx = { em: EntityManager; publish: Publish<LiveSessionEvents> };

/** Those a stored event reaches: everyone still in the session or still being rung, and the host. */
export const audienceOf = (session: LiveSession, participants: Participant[], also: string[] = []) => [
  session.hostId,
  ...participants
    .filter((p) => p.state === ParticipantState.JOINED || p.state === ParticipantState.INVITED)
    .map((p) => p.userId),
  ...also,
];

/** A media refusal as the GraphQL error a client can branch on. */
export const mediaError = (error: unknown) =>
  error instanceof MediaRefused ? new AppError(error.code, error.message) : error;

/** Calls from conversations and live streams: who is in them, and their state from ringing to ended. */
export class SessionService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<LiveSessionEvents>,
    private readonly media: MediaServer,
    private readonly recordings: RecordingService,
    private readonly logger: Logger,
  ) {}

  /** Rings the conversation's other members; the caller hosts the call. */
  async startCall(viewer: Viewer, conversationId: string, loaders: LiveSessionLoaders): Promise<LiveSession> {
    if (!isUuid(conversationId)) throw notFound('Conversation');
    const members = await loaders.members.load(conversationId);
    if (!members.includes(viewer.userId)) throw notFound('Conversation');
    const callees = members.filter((id) => id !== viewer.userId);
    if (!callees.length) throw conflict('Nobody else is in this conversation.', 'conversationId');
    if (callees.length === 1 && (await this.blocked(viewer.userId, callees[0]!)))
      throw forbidden('You cannot call this user.');
    return this.outbox.transaction(async (em, publish) => {
      const id = conversationId.toLowerCase();
      await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`call:${id}`]);
      const open = await em.count(LiveSession, { conversationId: id, status: { $in: [SessionStatus.RINGING] } });
      if (open) throw conflict('A call is already ringing in this conversation.', 'conversationId');
      const kind = callKindFor(members.length);
      const session = em.create(LiveSession, {
        kind,
        hostId: viewer.userId,
        conversationId: id,
        status: SessionStatus.RINGING,
      });
      // Participants point at the session by a plain column: the session row goes in first.
      await em.flush();
      const now = new Date();
      em.create(Participant, {
        sessionId: session.id,
        userId: viewer.userId,
        role: ParticipantRole.HOST,
        state: ParticipantState.JOINED,
        joinedAt: now,
      });
      for (const userId of callees)
        em.create(Participant, {
          sessionId: session.id,
          userId,
          role: ParticipantRole.SPEAKER,
          state: ParticipantState.INVITED,
        });
      publish('live-sessions.call.started', {
        sessionId: session.id,
        conversationId: id,
        callerId: viewer.userId,
        calleeIds: callees,
        kind: kind as 'CALL' | 'GROUP_CALL',
      });
      tellSession(publish, { kind: SessionEventKind.RINGING, sessionId: session.id }, members);
      return session;
    });
  }

  /** Whether either of two people blocked the other: as chat refuses them a message, a call is refused. */
  private async blocked(a: string, b: string): Promise<boolean> {
    const em = this.orm.em as EntityManager;
    const found = await rows(
      em,
      `select 1 from ${table(em, 'blocks')} where active
       and ((blocker_id = ? and blocked_id = ?) or (blocker_id = ? and blocked_id = ?))`,
      [a, b, b, a],
    );
    return found.length > 0;
  }

  /** Goes live at once; the caller hosts it and their followers hear of it. */
  async startLiveStream(viewer: Viewer, title: string, visibility: StreamVisibility): Promise<LiveSession> {
    const trimmed = title.trim();
    if (!trimmed || trimmed.length > 200) throw badInput('The title takes 1 to 200 characters.', 'title');
    return this.outbox.transaction(async (em, publish) => {
      const now = new Date();
      const session = em.create(LiveSession, {
        kind: SessionKind.LIVE_STREAM,
        title: trimmed,
        hostId: viewer.userId,
        visibility,
        status: SessionStatus.ACTIVE,
        startedAt: now,
      });
      await em.flush();
      em.create(Participant, {
        sessionId: session.id,
        userId: viewer.userId,
        role: ParticipantRole.HOST,
        state: ParticipantState.JOINED,
        joinedAt: now,
      });
      publish('live-sessions.stream.started', {
        sessionId: session.id,
        hostId: viewer.userId,
        title: trimmed,
        visibility,
      });
      return session;
    });
  }

  /** Locks the session and reads who is in it, refusing what the viewer may not see. */
  async locked(em: EntityManager, viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders) {
    if (!isUuid(sessionId)) throw notFound('Live session');
    await lockRow(em, 'sessions', sessionId.toLowerCase());
    const session = await em.findOne(LiveSession, { id: sessionId.toLowerCase() }, { refresh: true });
    if (!session) throw notFound('Live session');
    const participants = await em.find(
      Participant,
      { sessionId: session.id },
      { refresh: true, orderBy: { createdAt: 'asc' } },
    );
    const members = session.conversationId ? await loaders.members.load(session.conversationId) : [];
    const follower = session.visibility ? await loaders.followsHost.load(session.hostId) : false;
    const own = participants.find((p) => p.userId === viewer.userId) ?? null;
    const facts = {
      userId: viewer.userId,
      member: members.includes(viewer.userId),
      follower,
      state: own?.state ?? null,
    };
    if (!maySee(session, facts)) throw notFound('Live session');
    return { session, participants, own, facts };
  }

  /** Answers a call ringing you; joining the media follows with joinSession. */
  async acceptCall(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders): Promise<LiveSession> {
    return this.outbox.transaction(async (em, publish) => {
      const { session, participants, own, facts } = await this.locked(em, viewer, sessionId, loaders);
      if (session.kind === SessionKind.LIVE_STREAM || !own || own.role === ParticipantRole.HOST)
        throw forbidden('Only a callee answers a call.');
      if (!facts.member) throw forbidden('You are no longer in this conversation.');
      if (!isOpen(session.status)) throw conflict('This call is over.', 'sessionId');
      if (own.state === ParticipantState.REMOVED) throw forbidden('The host removed you from this call.');
      if (own.state === ParticipantState.JOINED) return session;
      this.admit({ em, publish }, session, participants, own);
      return session;
    });
  }

  /** Marks them in the session (a call that rang is now under way) and tells the others. */
  admit(tx: Tx, session: LiveSession, participants: Participant[], participant: Participant) {
    Object.assign(participant, { state: ParticipantState.JOINED, joinedAt: new Date(), leftAt: null, tracks: [] });
    if (session.status === SessionStatus.RINGING)
      Object.assign(session, { status: SessionStatus.ACTIVE, startedAt: new Date() });
    tellSession(
      tx.publish,
      { kind: SessionEventKind.PARTICIPANT_JOINED, sessionId: session.id, userId: participant.userId },
      audienceOf(session, participants),
    );
  }

  async declineCall(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders): Promise<LiveSession> {
    return this.outbox.transaction(async (em, publish) => {
      const { session, participants, own } = await this.locked(em, viewer, sessionId, loaders);
      if (session.kind === SessionKind.LIVE_STREAM || !own || own.role === ParticipantRole.HOST)
        throw forbidden('Only a callee declines a call.');
      if (own.state !== ParticipantState.INVITED) throw conflict('You are not being rung by this call.', 'sessionId');
      if (!isOpen(session.status)) throw conflict('This call is over.', 'sessionId');
      const audience = audienceOf(session, participants);
      own.state = ParticipantState.DECLINED;
      tellSession(
        publish,
        { kind: SessionEventKind.PARTICIPANT_DECLINED, sessionId: session.id, userId: own.userId },
        audience,
      );
      const callees = participants.filter((p) => p.role !== ParticipantRole.HOST).map((p) => p.state);
      const status = statusAfterDecline(session.status, callees);
      if (status !== session.status) this.finish({ em, publish }, session, participants, status);
      return session;
    });
  }

  /** Ends the session with `status`: its people hear it, and chat and notifications hear of a call. */
  private finish(tx: Tx, session: LiveSession, participants: Participant[], status: SessionStatus): boolean {
    const audience = audienceOf(session, participants);
    const now = new Date();
    const wasRecording = session.recording;
    Object.assign(session, { status, endedAt: now, recording: false });
    for (const p of participants)
      if (p.state === ParticipantState.JOINED)
        Object.assign(p, { state: ParticipantState.LEFT, leftAt: now, tracks: [] });
    if (session.conversationId)
      tx.publish('live-sessions.call.ended', {
        sessionId: session.id,
        conversationId: session.conversationId,
        callerId: session.hostId,
        calleeIds: participants.filter((p) => p.userId !== session.hostId).map((p) => p.userId),
        status: status as 'ENDED' | 'MISSED' | 'DECLINED',
        durationSeconds: status === SessionStatus.ENDED ? durationSeconds(session.startedAt, now) : null,
      });
    tellSession(tx.publish, { kind: SessionEventKind.SESSION_ENDED, sessionId: session.id }, audience);
    return wasRecording;
  }

  /** Calls nobody answered in time end MISSED (a sweeper; runs in any instance, rows claimed once). */
  async expireRinging(ringSeconds: number): Promise<number> {
    const ended: { session: LiveSession; recorded: boolean }[] = [];
    await this.outbox.transaction(async (em, publish) => {
      ended.length = 0;
      const due = await rows<{ id: string }>(
        em,
        `select id from ${table(em, 'sessions')} where status = 'RINGING'
         and created_at < now() - make_interval(secs => ?) order by created_at limit 50 for update skip locked`,
        [ringSeconds],
      );
      const sessions = await em.find(LiveSession, { id: { $in: due.map((r) => r.id) } }, { refresh: true });
      for (const session of sessions) {
        const participants = await em.find(Participant, { sessionId: session.id }, { refresh: true });
        ended.push({ session, recorded: this.finish({ em, publish }, session, participants, SessionStatus.MISSED) });
      }
    });
    for (const { session, recorded } of ended) await this.afterEnd(session, recorded);
    return ended.length;
  }

  /** The viewer leaves; a call left with one person (or a stream its host left) ends. */
  async leave(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders): Promise<LiveSession> {
    const { session, recorded } = await this.outbox.transaction(async (em, publish) => {
      const { session, participants, own } = await this.locked(em, viewer, sessionId, loaders);
      if (!own || own.state !== ParticipantState.JOINED) throw conflict('You are not in this session.', 'sessionId');
      if (!isOpen(session.status)) return { session, recorded: false };
      const audience = audienceOf(session, participants);
      Object.assign(own, { state: ParticipantState.LEFT, leftAt: new Date(), tracks: [] });
      tellSession(
        publish,
        { kind: SessionEventKind.PARTICIPANT_LEFT, sessionId: session.id, userId: own.userId },
        audience,
      );
      const joined = participants.filter((p) => p.state === ParticipantState.JOINED).length;
      const ringing = participants.filter((p) => p.state === ParticipantState.INVITED).length;
      const recorded =
        endsWhenLeft(session, own.userId, joined, ringing) &&
        this.finish({ em, publish }, session, participants, statusOnEnd(session.status));
      return { session, recorded };
    });
    await this.afterChange(session, viewer.userId, recorded);
    return session;
  }

  /** The host ends it for everyone. */
  async end(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders): Promise<LiveSession> {
    const { session, recorded } = await this.outbox.transaction(async (em, publish) => {
      const { session, participants } = await this.locked(em, viewer, sessionId, loaders);
      if (session.hostId !== viewer.userId) throw forbidden('Only the host ends the session.');
      if (!isOpen(session.status)) return { session, recorded: false };
      return { session, recorded: this.finish({ em, publish }, session, participants, statusOnEnd(session.status)) };
    });
    await this.afterChange(session, viewer.userId, recorded);
    return session;
  }

  /** After commit: the media follows what the database now says. */
  private async afterChange(session: LiveSession, userId: string, recorded: boolean) {
    if (!isOpen(session.status)) return this.afterEnd(session, recorded);
    await this.media
      .leave(session.id, userId)
      .catch((err) => this.logger.warn({ err, sessionId: session.id }, 'media did not follow'));
  }

  /** A session that ended stops its recording (stored and announced), then every connection closes. */
  private async afterEnd(session: LiveSession, recorded: boolean) {
    if (recorded)
      await this.recordings
        .store(session)
        .catch((err) => this.logger.warn({ err, sessionId: session.id }, 'recording lost'));
    await this.media
      .endSession(session.id)
      .catch((err) => this.logger.warn({ err, sessionId: session.id }, 'media did not follow'));
  }

  /** The viewer's sessions, newest first. */
  async history(viewer: Viewer, first: number | null, after: string | null) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const em = this.orm.em as EntityManager;
    const ids = await rows<{ id: string }>(
      em,
      `select s.id from ${table(em, 'sessions')} s join ${table(em, 'participants')} p on p.session_id = s.id
       where p.user_id = ? ${cursor ? 'and (s.created_at, s.id) < (?, ?)' : ''}
       order by s.created_at desc, s.id desc limit ?`,
      [viewer.userId, ...(cursor ? [cursor.createdAt, cursor.id] : []), size + 1],
    );
    const found = await em.find(LiveSession, { id: { $in: ids.map((r) => r.id) } }, { refresh: true });
    const order = ids.map((r) => found.find((s) => s.id === r.id)!).filter(Boolean);
    return toConnection(order, size, { after });
  }
}
