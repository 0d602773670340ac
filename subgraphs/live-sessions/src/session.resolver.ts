import { requireViewer } from '@peerlink/platform/auth/viewer';
import { badInput } from '@peerlink/platform/errors';
import {
  CURRENT_ARGUMENT,
  CURRENT_ARGUMENT_DESCRIPTION,
  liveDirective,
  VIEWER_INDEPENDENT,
} from '@peerlink/platform/graphql/live';
import { UserReference as User, userRef } from '@peerlink/platform/graphql/user-reference';
import {
  Arg,
  Ctx,
  Directive,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { LiveSessionsContext } from './context.js';
import { parseSessionEventId, SessionEvent, SessionEventKind, sessionEventId } from './live.js';
import type { ClientSignal } from './media/media-server.js';
import { durationSeconds } from './rules.js';
import {
  LiveSession,
  LiveSessionConnection,
  Participant,
  ParticipantRole,
  ParticipantState,
  Recording,
  StreamVisibility,
} from './session.entity.js';
import { Conversation, FileReference } from './references.js';
import { notFound } from '@peerlink/platform/errors';

@ObjectType()
export class IceServerType {
  @Field(() => [String])
  urls!: string[];

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true })
  credential?: string | null;
}

@ObjectType({ description: 'What your client needs to connect to the session’s media.' })
export class SessionJoin {
  @Field(() => LiveSession)
  session!: LiveSession;

  @Field(() => Participant, { description: 'Your place in it.' })
  participant!: Participant;

  @Field(() => [IceServerType])
  iceServers!: IceServerType[];

  @Field(() => String, {
    nullable: true,
    description:
      'A short-lived token for an external SFU; null for the embedded one (its offer comes by sessionEvent).',
  })
  token!: string | null;

  @Field(() => String, { nullable: true, description: 'Where an external SFU is reached; null for the embedded one.' })
  url!: string | null;

  @Field({ description: 'When the token stops admitting you.' })
  expiresAt!: Date;
}

@InputType()
export class IceCandidateInput {
  @Field()
  candidate!: string;

  @Field(() => String, { nullable: true })
  sdpMid?: string | null;

  @Field(() => Int, { nullable: true })
  sdpMLineIndex?: number | null;
}

@InputType({
  description:
    'Exactly one of: your answer to the SFU’s latest offer, one of your ICE candidates, or `renegotiate: true`.',
})
export class SignalInput {
  @Field(() => String, { nullable: true })
  answer?: string | null;

  @Field(() => IceCandidateInput, { nullable: true })
  candidate?: IceCandidateInput | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Asks the SFU for a new offer, to answer sending a source you start or not one you stop (a screen).',
  })
  renegotiate?: boolean | null;
}

const MAX_SDP = 64 * 1024;

export function clientSignal(input: SignalInput): ClientSignal {
  const { answer, candidate, renegotiate } = input;
  const given = [answer, candidate, renegotiate].filter((field) => field != null);
  if (given.length !== 1 || renegotiate === false)
    throw badInput('Send an answer, a candidate, or renegotiate: true.', 'input');
  if (renegotiate) return { kind: 'RENEGOTIATE' };
  if (answer != null) {
    if (!answer.trim() || answer.length > MAX_SDP) throw badInput('The answer is empty or too long.', 'answer');
    return { kind: 'ANSWER', sdp: answer };
  }
  if (candidate!.candidate.length > 1024) throw badInput('The candidate is too long.', 'candidate');
  return {
    kind: 'CANDIDATE',
    candidate: candidate!.candidate,
    sdpMid: candidate!.sdpMid ?? null,
    sdpMLineIndex: candidate!.sdpMLineIndex ?? null,
  };
}

@Resolver(() => LiveSession)
export class LiveSessionResolver {
  @Query(() => LiveSession, {
    nullable: true,
    description: 'Visible to its participants, a call’s conversation members, and a stream’s audience.',
  })
  async liveSession(@Arg('id', () => ID) id: string, @Ctx() ctx: LiveSessionsContext) {
    requireViewer(ctx.viewer);
    const session = await ctx.loaders.visibleSession(id);
    if (!session) throw notFound('Live session');
    return session;
  }

  @Query(() => LiveSessionConnection, { nullable: true, description: 'Sessions you were in or rung by, newest first.' })
  liveSessions(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: LiveSessionsContext,
  ) {
    return ctx.services.sessions.history(requireViewer(ctx.viewer), first, after);
  }

  @Mutation(() => LiveSession, { nullable: true, description: 'Rings the conversation’s other members.' })
  startCall(@Arg('conversationId', () => ID) conversationId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.sessions.startCall(requireViewer(ctx.viewer), conversationId, ctx.loaders);
  }

  @Mutation(() => LiveSession, { nullable: true })
  acceptCall(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.sessions.acceptCall(requireViewer(ctx.viewer), sessionId, ctx.loaders);
  }

  @Mutation(() => LiveSession, { nullable: true })
  declineCall(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.sessions.declineCall(requireViewer(ctx.viewer), sessionId, ctx.loaders);
  }

  @Mutation(() => LiveSession, { nullable: true, description: 'You host it; PUBLIC: anyone may watch.' })
  startLiveStream(
    @Arg('title') title: string,
    @Arg('visibility', () => StreamVisibility) visibility: StreamVisibility,
    @Ctx() ctx: LiveSessionsContext,
  ) {
    return ctx.services.sessions.startLiveStream(requireViewer(ctx.viewer), title, visibility);
  }

  @Mutation(() => SessionJoin, {
    nullable: true,
    description: 'Subscribe to sessionEvent first: the embedded SFU’s offer arrives there right after.',
  })
  joinSession(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.connections.join(requireViewer(ctx.viewer), sessionId, ctx.loaders);
  }

  @Mutation(() => LiveSession, { nullable: true })
  leaveSession(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.sessions.leave(requireViewer(ctx.viewer), sessionId, ctx.loaders);
  }

  @Mutation(() => LiveSession, { nullable: true, description: 'The host only.' })
  endLiveSession(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.sessions.end(requireViewer(ctx.viewer), sessionId, ctx.loaders);
  }

  @Mutation(() => Participant, { nullable: true, description: 'The host only: SPEAKER or VIEWER.' })
  setParticipantRole(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => ParticipantRole) role: ParticipantRole,
    @Ctx() ctx: LiveSessionsContext,
  ) {
    return ctx.services.connections.setRole(requireViewer(ctx.viewer), sessionId, userId, role, ctx.loaders);
  }

  @Mutation(() => Participant, { nullable: true, description: 'The host only: mutes their microphone.' })
  muteParticipant(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: LiveSessionsContext,
  ) {
    return ctx.services.connections.mute(requireViewer(ctx.viewer), sessionId, userId, ctx.loaders);
  }

  @Mutation(() => Participant, { nullable: true, description: 'The host only: out at once, and not back.' })
  removeParticipant(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: LiveSessionsContext,
  ) {
    return ctx.services.connections.remove(requireViewer(ctx.viewer), sessionId, userId, ctx.loaders);
  }

  @Mutation(() => LiveSession, { nullable: true, description: 'The host only: the SFU writes its tracks to a file.' })
  startRecording(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.recordings.start(requireViewer(ctx.viewer), sessionId, ctx.loaders);
  }

  @Mutation(() => LiveSession, {
    nullable: true,
    description: 'The host only. The file goes to your drive, shared with everyone who was in the session.',
  })
  stopRecording(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    return ctx.services.recordings.stop(requireViewer(ctx.viewer), sessionId, ctx.loaders);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Your answer or ICE candidate, for the SFU.' })
  sendSignal(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('input') input: SignalInput,
    @Ctx() ctx: LiveSessionsContext,
  ) {
    const viewer = requireViewer(ctx.viewer);
    return ctx.services.connections.signal(viewer, sessionId, clientSignal(input), ctx.loaders);
  }

  @Query(() => SessionEvent, {
    nullable: true,
    description: 'One `sessionEvent` event, by id; the gateway uses it to resolve subscriptions.',
  })
  async sessionEventById(@Arg('id', () => ID) id: string, @Ctx() ctx: LiveSessionsContext): Promise<SessionEvent> {
    requireViewer(ctx.viewer);
    const { kind, sessionId, userId } = parseSessionEventId(id);
    const session = await ctx.loaders.visibleSession(sessionId);
    if (!session) throw notFound('Session event');
    const participant = userId
      ? ((await ctx.loaders.participants.load(sessionId)).find((p) => p.userId === userId) ?? null)
      : null;
    return { id, kind, session, user: userId ? userRef(userId) : null, participant, signal: null };
  }

  @Query(() => SessionEvent, {
    nullable: true,
    description: 'The session as it is now, as a CURRENT event: what `sessionEvent(current: true)` sends first.',
  })
  async sessionEventNow(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: LiveSessionsContext) {
    requireViewer(ctx.viewer);
    const session = await ctx.loaders.visibleSession(sessionId);
    if (!session) throw notFound('Live session');
    const id = sessionEventId({ kind: SessionEventKind.CURRENT, sessionId: session.id });
    return { id, kind: SessionEventKind.CURRENT, session, user: null, participant: null, signal: null };
  }

  // SFU signals carry their answer (`snapshot`) and go to one participant only: no lookup could rebuild them.
  @Directive(
    liveDirective({
      subject: 'live-sessions.session.event',
      lookup: 'sessionEventById',
      audience: 'recipientIds',
      audienceMaySee: true,
      inline: 'snapshot',
      current: ['sessionEventNow(sessionId: $sessionId)'],
    }),
  )
  @Subscription(() => SessionEvent, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description:
      'What happens in a session (`sessionId`), or in any of yours (calls ringing you too): people joining and ' +
      'leaving, their tracks, its end, and the SFU’s signals for you alone. Signals are never stored: only a ' +
      'selection of no more than `id`, `kind`, `session { id }`, `user { id }` and `signal` receives them.',
  })
  sessionEvent(
    @Arg('sessionId', () => ID, { nullable: true }) _sessionId: string | null,
    @Arg(CURRENT_ARGUMENT, () => Boolean, {
      nullable: true,
      defaultValue: false,
      description: CURRENT_ARGUMENT_DESCRIPTION,
    })
    _current: boolean,
    @Root() event: SessionEvent,
  ) {
    return event;
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => User, { nullable: true, description: 'Who started it.' })
  host(@Root() session: LiveSession) {
    return userRef(session.hostId);
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => Conversation, { nullable: true, description: 'The conversation a call rang in.' })
  conversation(@Root() session: LiveSession) {
    return session.conversationId ? { id: session.conversationId } : null;
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => [Participant], { description: 'Everyone invited, in it, or gone; a stream’s viewers too.' })
  participants(@Root() session: LiveSession, @Ctx() ctx: LiveSessionsContext) {
    return ctx.loaders.participants.load(session.id);
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => [Recording], { description: 'Its recordings, oldest first.' })
  recordings(@Root() session: LiveSession, @Ctx() ctx: LiveSessionsContext) {
    return ctx.loaders.recordings.load(session.id);
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => Int, { description: 'Viewers watching now.' })
  async viewerCount(@Root() session: LiveSession, @Ctx() ctx: LiveSessionsContext) {
    const participants = await ctx.loaders.participants.load(session.id);
    return participants.filter((p) => p.role === ParticipantRole.VIEWER && p.state === ParticipantState.JOINED).length;
  }

  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => Int, { nullable: true, description: 'From the answer (or going live) to the end, or to now.' })
  durationSeconds(@Root() session: LiveSession) {
    return durationSeconds(session.startedAt, session.endedAt);
  }
}

@Resolver(() => Recording)
export class RecordingResolver {
  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => FileReference, { nullable: true, description: 'In drive: the host’s, shared with the others.' })
  file(@Root() recording: Recording) {
    return { id: recording.fileId };
  }
}

@Resolver(() => Participant)
export class ParticipantResolver {
  @Directive(VIEWER_INDEPENDENT)
  @FieldResolver(() => User, { nullable: true })
  user(@Root() participant: Participant) {
    return userRef(participant.userId);
  }
}
