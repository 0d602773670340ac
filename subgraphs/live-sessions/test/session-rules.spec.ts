import {
  callKindFor,
  durationSeconds,
  endsWhenLeft,
  joinRefusal,
  maySee,
  roleOnJoin,
  statusAfterDecline,
  statusOnEnd,
} from '#src/rules';
import { ParticipantRole, ParticipantState, SessionKind, SessionStatus, StreamVisibility } from '#src/session.entity';
import { describe, expect, it } from 'vitest';

const HOST = 'host';
const call = (status = SessionStatus.RINGING) => ({ kind: SessionKind.CALL, status, hostId: HOST, visibility: null });
const stream = (visibility: StreamVisibility, status = SessionStatus.ACTIVE) => ({
  kind: SessionKind.LIVE_STREAM,
  status,
  hostId: HOST,
  visibility,
});
const viewer = (facts: Partial<{ member: boolean; follower: boolean; state: ParticipantState | null }> = {}) => ({
  userId: 'u',
  member: false,
  follower: false,
  state: null,
  ...facts,
});

describe('who may see and join a session', () => {
  it('a call: its conversation’s members and whoever it rang; nobody else, not even having been rung after leaving the chat', () => {
    expect(maySee(call(), viewer({ member: true }))).toBe(true);
    expect(maySee(call(), viewer())).toBe(false);
    expect(joinRefusal(call(), viewer())).toBe('NOT_FOUND');
    expect(joinRefusal(call(), viewer({ member: true }))).toBeNull();
    // Rung, then removed from the conversation: they still see the call they were in, but may not join it.
    expect(joinRefusal(call(), viewer({ state: ParticipantState.INVITED }))).toBe('FORBIDDEN');
    expect(joinRefusal(call(), viewer({ member: true, state: ParticipantState.REMOVED }))).toBe('FORBIDDEN');
    expect(joinRefusal(call(SessionStatus.ENDED), viewer({ member: true }))).toBe('CONFLICT');
    expect(joinRefusal(call(SessionStatus.MISSED), viewer({ member: true }))).toBe('CONFLICT');
  });

  it('a stream: anyone when PUBLIC, the host’s followers when FOLLOWERS', () => {
    expect(joinRefusal(stream(StreamVisibility.PUBLIC), viewer())).toBeNull();
    expect(joinRefusal(stream(StreamVisibility.FOLLOWERS), viewer())).toBe('NOT_FOUND');
    expect(joinRefusal(stream(StreamVisibility.FOLLOWERS), viewer({ follower: true }))).toBeNull();
    expect(joinRefusal(stream(StreamVisibility.PUBLIC, SessionStatus.ENDED), viewer())).toBe('CONFLICT');
    expect(maySee(stream(StreamVisibility.FOLLOWERS), { ...viewer(), userId: HOST })).toBe(true);
  });

  it('the host hosts; a call’s members speak; a stream’s audience only watches', () => {
    expect(roleOnJoin(call(), HOST)).toBe(ParticipantRole.HOST);
    expect(roleOnJoin(call(), 'u')).toBe(ParticipantRole.SPEAKER);
    expect(roleOnJoin(stream(StreamVisibility.PUBLIC), 'u')).toBe(ParticipantRole.VIEWER);
    expect(roleOnJoin(stream(StreamVisibility.PUBLIC), HOST)).toBe(ParticipantRole.HOST);
  });
});

describe('how a call’s state moves', () => {
  it('two members make a call, more a group call', () => {
    expect(callKindFor(2)).toBe(SessionKind.CALL);
    expect(callKindFor(3)).toBe(SessionKind.GROUP_CALL);
  });

  it('is DECLINED only when every callee declined while it rang', () => {
    const { DECLINED, INVITED, JOINED } = ParticipantState;
    expect(statusAfterDecline(SessionStatus.RINGING, [DECLINED])).toBe(SessionStatus.DECLINED);
    expect(statusAfterDecline(SessionStatus.RINGING, [DECLINED, INVITED])).toBe(SessionStatus.RINGING);
    expect(statusAfterDecline(SessionStatus.ACTIVE, [DECLINED, JOINED])).toBe(SessionStatus.ACTIVE);
  });

  it('ended by its host before anyone answered, it was missed', () => {
    expect(statusOnEnd(SessionStatus.RINGING)).toBe(SessionStatus.MISSED);
    expect(statusOnEnd(SessionStatus.ACTIVE)).toBe(SessionStatus.ENDED);
  });

  it('ends when fewer than two are left in it, unless the caller is still ringing others; a stream when its host leaves', () => {
    expect(endsWhenLeft(call(SessionStatus.ACTIVE), 'u', 1, 0)).toBe(true);
    expect(endsWhenLeft(call(SessionStatus.ACTIVE), 'u', 2, 0)).toBe(false);
    expect(endsWhenLeft(call(SessionStatus.RINGING), 'u', 1, 1)).toBe(false);
    expect(endsWhenLeft(call(SessionStatus.RINGING), HOST, 0, 1)).toBe(true);
    expect(endsWhenLeft(stream(StreamVisibility.PUBLIC), 'u', 1, 0)).toBe(false);
    expect(endsWhenLeft(stream(StreamVisibility.PUBLIC), HOST, 5, 0)).toBe(true);
  });

  it('lasts from the answer to the end, in whole seconds; an unanswered call has no length', () => {
    const start = new Date('2026-01-01T10:00:00Z');
    expect(durationSeconds(start, new Date('2026-01-01T10:01:05.400Z'))).toBe(65);
    expect(durationSeconds(null, new Date())).toBeNull();
    expect(durationSeconds(start, null, new Date('2026-01-01T10:00:10Z'))).toBe(10);
  });
});
