import { ParticipantRole, ParticipantState, SessionKind, SessionStatus, StreamVisibility } from './session.entity.js';

/** What the rules need to know of a session: pure data, so they are tested without a database. */
export interface SessionFacts {
  kind: SessionKind;
  status: SessionStatus;
  hostId: string;
  visibility: StreamVisibility | null;
}

/** What the rules need to know of the viewer's relation to it. */
export interface ViewerFacts {
  userId: string;
  /** A member of the call's conversation now (chat's members, as announced). */
  member: boolean;
  /** Follows the stream's host. */
  follower: boolean;
  /** Their participant row's state, if they have one. */
  state: ParticipantState | null;
}

export const isOpen = (status: SessionStatus) => status === SessionStatus.RINGING || status === SessionStatus.ACTIVE;

/** A call is one-to-one between two members; more make a group call. */
export const callKindFor = (memberCount: number) => (memberCount > 2 ? SessionKind.GROUP_CALL : SessionKind.CALL);

/** Whether they may read the session: its people, a call's conversation members, a stream's audience. */
export function maySee(session: SessionFacts, viewer: ViewerFacts): boolean {
  if (session.hostId === viewer.userId || viewer.state !== null) return true;
  if (session.kind !== SessionKind.LIVE_STREAM) return viewer.member;
  return session.visibility === StreamVisibility.PUBLIC || viewer.follower;
}

/** Why they may not join now (null: they may). Calls admit conversation members; streams their audience. */
export function joinRefusal(session: SessionFacts, viewer: ViewerFacts): 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT' | null {
  if (!maySee(session, viewer)) return 'NOT_FOUND';
  if (viewer.state === ParticipantState.REMOVED) return 'FORBIDDEN';
  if (session.kind !== SessionKind.LIVE_STREAM && !viewer.member) return 'FORBIDDEN';
  if (!isOpen(session.status)) return 'CONFLICT';
  return null;
}

/** The role someone takes on joining: the host hosts; a call's members speak; a stream's audience watches. */
export function roleOnJoin(session: SessionFacts, userId: string): ParticipantRole {
  if (session.hostId === userId) return ParticipantRole.HOST;
  return session.kind === SessionKind.LIVE_STREAM ? ParticipantRole.VIEWER : ParticipantRole.SPEAKER;
}

/**
 * What a call's status becomes once a callee declines: DECLINED when every callee has refused while it
 * rang; otherwise as it was (others may still answer, or the call goes on without them).
 */
export function statusAfterDecline(status: SessionStatus, calleeStates: ParticipantState[]): SessionStatus {
  if (status !== SessionStatus.RINGING) return status;
  return calleeStates.every((s) => s === ParticipantState.DECLINED) ? SessionStatus.DECLINED : status;
}

/** How a session ends when its host ends it: an unanswered call was missed, anything else ended. */
export const statusOnEnd = (status: SessionStatus) =>
  status === SessionStatus.RINGING ? SessionStatus.MISSED : SessionStatus.ENDED;

/**
 * Whether a session is over once someone leaves: a stream when its host leaves; a call when fewer than
 * two are left in it and nobody else is still being rung.
 */
export function endsWhenLeft(
  session: SessionFacts,
  leaverId: string,
  joinedLeft: number,
  stillRinging: number,
): boolean {
  if (session.kind === SessionKind.LIVE_STREAM) return leaverId === session.hostId;
  return joinedLeft < 2 && !(session.status === SessionStatus.RINGING && stillRinging > 0 && joinedLeft > 0);
}

export const durationSeconds = (startedAt: Date | null, endedAt: Date | null, now = new Date()) =>
  startedAt ? Math.max(0, Math.round(((endedAt ?? now).getTime() - startedAt.getTime()) / 1000)) : null;
