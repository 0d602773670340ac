import type { LiveSessionEvents, LiveSessionSignals } from '@peerlink/contracts/live-sessions';
import { notFound } from '@peerlink/platform/errors';
import type { Publish } from '@peerlink/platform/events/outbox';
import type { Signal } from '@peerlink/platform/events/signals';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';
import { UserReference as User } from '@peerlink/platform/graphql/user-reference';
import { isUuid, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ServerSignal } from './media/media-server.js';
import { LiveSession, Participant } from './session.entity.js';

export enum SessionEventKind {
  /** The session as it is when you subscribed (with `current: true`). */
  CURRENT = 'CURRENT',
  /** A call started ringing (its callees hear it). */
  RINGING = 'RINGING',
  PARTICIPANT_JOINED = 'PARTICIPANT_JOINED',
  PARTICIPANT_DECLINED = 'PARTICIPANT_DECLINED',
  PARTICIPANT_LEFT = 'PARTICIPANT_LEFT',
  /** The host changed their role, muted or removed them. */
  PARTICIPANT_CHANGED = 'PARTICIPANT_CHANGED',
  /** What they publish changed (a track started, stopped, or was muted). */
  TRACKS_CHANGED = 'TRACKS_CHANGED',
  /** The host started or stopped recording (`session.recording`). */
  RECORDING_CHANGED = 'RECORDING_CHANGED',
  /** A recording is stored: it is among `session.recordings`, and in drive. */
  RECORDING_READY = 'RECORDING_READY',
  /** Ended, missed or declined: nothing more will happen. */
  SESSION_ENDED = 'SESSION_ENDED',
  /** An SDP offer or ICE candidate from the SFU, for you alone; never stored. */
  SIGNAL = 'SIGNAL',
}
registerEnumType(SessionEventKind, { name: 'SessionEventKind' });

export enum ServerSignalKind {
  OFFER = 'OFFER',
  CANDIDATE = 'CANDIDATE',
}
registerEnumType(ServerSignalKind, { name: 'ServerSignalKind' });

@Directive(VIEWER_INDEPENDENT)
@ObjectType({ description: 'From the SFU to your client: answer an OFFER with sendSignal; add each CANDIDATE.' })
export class SessionSignal {
  @Field(() => ServerSignalKind)
  kind!: ServerSignalKind;

  @Field(() => String, { nullable: true, description: 'The offer’s SDP.' })
  sdp!: string | null;

  @Field(() => String, { nullable: true })
  candidate!: string | null;

  @Field(() => String, { nullable: true })
  sdpMid!: string | null;

  @Field(() => Int, { nullable: true })
  sdpMLineIndex!: number | null;
}

@Directive(VIEWER_INDEPENDENT)
@ObjectType({ description: 'Something that happened in a live session.' })
export class SessionEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => SessionEventKind)
  kind!: SessionEventKind;

  @Field(() => LiveSession, { description: 'The session as it is now.' })
  session!: LiveSession | { id: string };

  @Field(() => User, { nullable: true, description: 'Whom it concerns: who joined, left, changed or was signalled.' })
  user!: User | null;

  @Field(() => Participant, { nullable: true, description: 'Their participant row as it is now.' })
  participant!: Participant | null;

  @Field(() => SessionSignal, { nullable: true, description: 'For SIGNAL only.' })
  signal!: SessionSignal | null;
}

interface EventFacts {
  kind: SessionEventKind;
  sessionId: string;
  userId?: string | null;
}

/** Event ids are opaque to clients: `kind:sessionId:userId:unique` inside (`-` for no user). */
export function sessionEventId({ kind, sessionId, userId }: EventFacts): string {
  return Buffer.from([kind, sessionId, userId ?? '-', uuidv7()].join(':')).toString('base64url');
}

export function parseSessionEventId(id: string): Required<EventFacts> {
  const [kind, sessionId, userId, unique, ...rest] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  const known = Object.values(SessionEventKind).includes(kind as SessionEventKind) && kind !== SessionEventKind.SIGNAL;
  if (!known || rest.length || !sessionId || !isUuid(sessionId) || !unique || !isUuid(unique))
    throw notFound('Session event');
  if (userId !== '-' && !(userId && isUuid(userId))) throw notFound('Session event');
  return {
    kind: kind as SessionEventKind,
    sessionId: sessionId.toLowerCase(),
    userId: userId === '-' ? null : userId!,
  };
}

/** Tells these people's `sessionEvent` subscriptions, after the transaction commits. */
export function tellSession(publish: Publish<LiveSessionEvents>, facts: EventFacts, recipientIds: string[]) {
  if (!recipientIds.length) return;
  const id = sessionEventId(facts);
  publish('live-sessions.session.event', { id, sessionId: facts.sessionId, recipientIds: [...new Set(recipientIds)] });
}

/**
 * Sends the SFU's signal to one participant's `sessionEvent` subscription now: nothing stored, and the
 * answer rides along (the lookup could not rebuild it), so only that participant ever sees it.
 */
export function signalParticipant(
  signal: Signal<LiveSessionSignals>,
  sessionId: string,
  userId: string,
  server: ServerSignal,
) {
  const id = Buffer.from([SessionEventKind.SIGNAL, sessionId, userId, uuidv7()].join(':')).toString('base64url');
  const snapshot = {
    id,
    kind: SessionEventKind.SIGNAL,
    session: { id: sessionId },
    user: { id: userId },
    signal:
      server.kind === 'OFFER'
        ? { kind: server.kind, sdp: server.sdp, candidate: null, sdpMid: null, sdpMLineIndex: null }
        : {
            kind: server.kind,
            sdp: null,
            candidate: server.candidate,
            sdpMid: server.sdpMid,
            sdpMLineIndex: server.sdpMLineIndex,
          },
  } as const;
  return signal('live-sessions.session.event', { id, sessionId, recipientIds: [userId], snapshot });
}
