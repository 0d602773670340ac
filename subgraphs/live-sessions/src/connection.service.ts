import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { lockRow } from '@peerlink/platform/db/sql';
import { badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { isUuid } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import { SessionEventKind, tellSession } from './live.js';
import type { LiveSessionLoaders } from './loaders.js';
import type { ClientSignal, MediaJoin, MediaServer, PublishedTrack } from './media/media-server.js';
import { isOpen, joinRefusal, roleOnJoin } from './rules.js';
import { LiveSession, Participant, ParticipantRole, ParticipantState, SessionStatus } from './session.entity.js';
import { audienceOf, mediaError, type SessionService } from './session.service.js';

/**
 * Where sessions meet the media server: joining (claim, commit, then admit to the media), signals, what
 * participants publish, and the host's moderation, which the media follows once committed.
 */
export class ConnectionService {
  constructor(
    private readonly sessions: SessionService,
    private readonly outbox: Outbox<LiveSessionEvents>,
    private readonly media: MediaServer,
    private readonly logger: Logger,
  ) {}

  /**
   * Takes the viewer into the session (a callee still rung answers by joining), then admits them to the
   * media. Claim, commit, call: a media server that refuses them takes the join back.
   */
  async join(viewer: Viewer, sessionId: string, loaders: LiveSessionLoaders) {
    const joined = await this.outbox.transaction(async (em, publish) => {
      const { session, participants, own, facts } = await this.sessions.locked(em, viewer, sessionId, loaders);
      const refusal = joinRefusal(session, facts);
      if (refusal === 'FORBIDDEN') throw forbidden('You may not join this session.');
      if (refusal === 'CONFLICT') throw conflict('This session is over.', 'sessionId');
      if (refusal) throw notFound('Live session');
      const participant =
        own ??
        em.create(Participant, {
          sessionId: session.id,
          userId: viewer.userId,
          role: roleOnJoin(session, viewer.userId),
          state: ParticipantState.INVITED,
        });
      const before = { state: participant.state, joinedAt: participant.joinedAt, leftAt: participant.leftAt };
      const answered = session.status === SessionStatus.RINGING;
      const fresh = participant.state !== ParticipantState.JOINED;
      if (participant.state === ParticipantState.DECLINED || participant.state === ParticipantState.LEFT)
        participant.role = roleOnJoin(session, viewer.userId);
      if (fresh)
        this.sessions.admit(
          { em, publish },
          session,
          participants.includes(participant) ? participants : [...participants, participant],
          participant,
        );
      return { session, participant, before: fresh ? before : null, isNew: !own, answered: fresh && answered };
    });
    let media: MediaJoin;
    try {
      media = await this.media.join({
        sessionId: joined.session.id,
        userId: viewer.userId,
        role: joined.participant.role,
      });
    } catch (error) {
      if (joined.before) await this.undoJoin(joined.participant.id, joined.before, joined.isNew, joined.answered);
      throw mediaError(error);
    }
    return { session: joined.session, participant: joined.participant, ...media };
  }

  private async undoJoin(
    participantId: string,
    before: Pick<Participant, 'state' | 'joinedAt' | 'leftAt'>,
    isNew: boolean,
    answered: boolean,
  ) {
    await this.outbox.transaction(async (em, publish) => {
      const participant = await em.findOne(Participant, { id: participantId }, { refresh: true });
      if (!participant) return;
      await lockRow(em, 'sessions', participant.sessionId);
      const session = await em.findOneOrFail(LiveSession, { id: participant.sessionId }, { refresh: true });
      if (isNew) em.remove(participant);
      else Object.assign(participant, before);
      const participants = await em.find(Participant, { sessionId: session.id }, { refresh: true });
      // Their join answered the call: unless someone else has answered since, it rings again.
      const othersIn = participants.some(
        (p) => p !== participant && p.role !== ParticipantRole.HOST && p.state === ParticipantState.JOINED,
      );
      if (answered && session.status === SessionStatus.ACTIVE && !othersIn)
        Object.assign(session, { status: SessionStatus.RINGING, startedAt: null });
      tellSession(
        publish,
        { kind: SessionEventKind.PARTICIPANT_LEFT, sessionId: session.id, userId: participant.userId },
        audienceOf(session, participants, [participant.userId]),
      );
    });
  }

  /** The host acts on someone in the session: what they may publish, their microphone, their place. */
  private async moderate(
    viewer: Viewer,
    sessionId: string,
    userId: string,
    loaders: LiveSessionLoaders,
    change: (target: Participant, session: LiveSession) => void,
  ) {
    return this.outbox.transaction(async (em, publish) => {
      const { session, participants } = await this.sessions.locked(em, viewer, sessionId, loaders);
      if (session.hostId !== viewer.userId) throw forbidden('Only the host does that.');
      if (!isOpen(session.status)) throw conflict('This session is over.', 'sessionId');
      const target = isUuid(userId) ? participants.find((p) => p.userId === userId.toLowerCase()) : undefined;
      if (!target || target.state !== ParticipantState.JOINED) throw notFound('Participant');
      if (target.userId === viewer.userId) throw badInput('Not on yourself.', 'userId');
      const audience = audienceOf(session, participants);
      change(target, session);
      tellSession(
        publish,
        { kind: SessionEventKind.PARTICIPANT_CHANGED, sessionId: session.id, userId: target.userId },
        audience,
      );
      return { session, target };
    });
  }

  async setRole(viewer: Viewer, sessionId: string, userId: string, role: ParticipantRole, loaders: LiveSessionLoaders) {
    if (role === ParticipantRole.HOST) throw badInput('A session has one host.', 'role');
    const { session, target } = await this.moderate(viewer, sessionId, userId, loaders, (t) => {
      t.role = role;
    });
    await this.media
      .updateRole({ sessionId: session.id, userId: target.userId, role })
      .catch((err) => this.logger.warn({ err }, 'media role change failed'));
    return target;
  }

  async mute(viewer: Viewer, sessionId: string, userId: string, loaders: LiveSessionLoaders) {
    const { session, target } = await this.moderate(viewer, sessionId, userId, loaders, (t) => {
      t.muted = true;
      t.tracks = t.tracks.map((track) => (track.source === 'MICROPHONE' ? { ...track, muted: true } : track));
    });
    await this.media
      .mute({ sessionId: session.id, userId: target.userId, role: target.role }, 'MICROPHONE')
      .catch((err) => this.logger.warn({ err }, 'media mute failed'));
    return target;
  }

  /** Out at once, media included, and not let back in. */
  async remove(viewer: Viewer, sessionId: string, userId: string, loaders: LiveSessionLoaders) {
    const { session, target } = await this.moderate(viewer, sessionId, userId, loaders, (t) => {
      Object.assign(t, { state: ParticipantState.REMOVED, leftAt: new Date(), tracks: [] });
    });
    await this.media.leave(session.id, target.userId).catch((err) => this.logger.warn({ err }, 'media leave failed'));
    return target;
  }

  /** An answer or ICE candidate from the viewer's client, for the SFU; only someone in the session sends one. */
  async signal(viewer: Viewer, sessionId: string, signal: ClientSignal, loaders: LiveSessionLoaders) {
    const session = await loaders.visibleSession(sessionId);
    if (!session) throw notFound('Live session');
    const own = (await loaders.participants.load(session.id)).find((p) => p.userId === viewer.userId);
    if (!own || own.state !== ParticipantState.JOINED || !isOpen(session.status))
      throw forbidden('Join the session before signalling.');
    await this.media.signal({ sessionId: session.id, userId: viewer.userId, role: own.role }, signal).catch((error) => {
      throw mediaError(error);
    });
    return true;
  }

  /** The SFU says what a participant publishes now: stored, and their session told. */
  async tracksChanged(sessionId: string, userId: string, tracks: PublishedTrack[]) {
    await this.outbox.transaction(async (em, publish) => {
      await lockRow(em, 'sessions', sessionId);
      const session = await em.findOne(LiveSession, { id: sessionId }, { refresh: true });
      const participants = await em.find(Participant, { sessionId }, { refresh: true });
      const participant = participants.find((p) => p.userId === userId);
      if (!session || !participant || participant.state !== ParticipantState.JOINED) return;
      participant.tracks = tracks;
      if (tracks.some((t) => t.source === 'MICROPHONE' && !t.muted)) participant.muted = false;
      tellSession(
        publish,
        { kind: SessionEventKind.TRACKS_CHANGED, sessionId, userId },
        audienceOf(session, participants),
      );
    });
  }
}
