import { BigIntType, Entity, Enum, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SafeInt } from '@peerlink/platform/graphql/safe-int';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { PublishedTrack } from './media/media-server.js';

export enum SessionKind {
  CALL = 'CALL',
  GROUP_CALL = 'GROUP_CALL',
  LIVE_STREAM = 'LIVE_STREAM',
}
registerEnumType(SessionKind, { name: 'LiveSessionKind' });

export enum SessionStatus {
  /** A call waiting for someone to answer. */
  RINGING = 'RINGING',
  ACTIVE = 'ACTIVE',
  ENDED = 'ENDED',
  /** Nobody answered before the ring timed out, or the caller hung up first. */
  MISSED = 'MISSED',
  /** Every callee refused. */
  DECLINED = 'DECLINED',
}
registerEnumType(SessionStatus, { name: 'LiveSessionStatus' });

export enum StreamVisibility {
  /** Anyone signed in may watch. */
  PUBLIC = 'PUBLIC',
  /** Only the host's followers may watch. */
  FOLLOWERS = 'FOLLOWERS',
}
registerEnumType(StreamVisibility, { name: 'LiveStreamVisibility' });

export enum ParticipantRole {
  HOST = 'HOST',
  SPEAKER = 'SPEAKER',
  /** Receives only: the SFU offers a viewer nothing to send on. */
  VIEWER = 'VIEWER',
}
registerEnumType(ParticipantRole, { name: 'ParticipantRole' });

export enum ParticipantState {
  /** A callee the call rings. */
  INVITED = 'INVITED',
  DECLINED = 'DECLINED',
  JOINED = 'JOINED',
  LEFT = 'LEFT',
  /** The host removed them: they may not join again. */
  REMOVED = 'REMOVED',
}
registerEnumType(ParticipantState, { name: 'ParticipantState' });

/** A call or live stream. Its id is a UUIDv7, so history reads newest first. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'sessions' })
export class LiveSession {
  [OptionalProps]?:
    | 'id'
    | 'title'
    | 'conversationId'
    | 'visibility'
    | 'createdAt'
    | 'startedAt'
    | 'endedAt'
    | 'recording';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => SessionKind)
  @Enum({ items: () => SessionKind })
  kind!: SessionKind;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => String, { nullable: true, description: 'A live stream’s title; null for a call.' })
  @Property({ type: 'text', nullable: true })
  title: string | null = null;

  @Property({ type: 'uuid' })
  hostId!: string;

  @Property({ type: 'uuid', nullable: true })
  conversationId: string | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => StreamVisibility, { nullable: true, description: 'A live stream’s; null for a call.' })
  @Enum({ items: () => StreamVisibility, nullable: true })
  visibility: StreamVisibility | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => SessionStatus)
  @Enum({ items: () => SessionStatus })
  status!: SessionStatus;

  @Directive(VIEWER_INDEPENDENT)
  @Field({ description: 'When the call was placed or the stream created.' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => Date, { nullable: true, description: 'When someone answered (a call) or it went live (a stream).' })
  @Property({ type: 'timestamptz', nullable: true })
  startedAt: Date | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  endedAt: Date | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field({ description: 'Whether the host is recording it now.' })
  @Property()
  recording: boolean = false;
}

export const LiveSessionConnection = connectionOf(LiveSession);

@Directive(VIEWER_INDEPENDENT)
@ObjectType('PublishedTrack')
export class PublishedTrackType {
  @Field(() => String, { description: 'AUDIO or VIDEO.' })
  kind!: PublishedTrack['kind'];

  @Field(() => String, { description: 'MICROPHONE, CAMERA or SCREEN.' })
  source!: PublishedTrack['source'];

  @Field()
  muted!: boolean;
}

/** Someone's place in a session: invited, in it, or gone. */
@Directive(VIEWER_INDEPENDENT)
@ObjectType('LiveParticipant')
@Entity({ tableName: 'participants' })
@Unique({ properties: ['sessionId', 'userId'] })
export class Participant {
  [OptionalProps]?: 'id' | 'createdAt' | 'joinedAt' | 'leftAt' | 'tracks' | 'muted';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  sessionId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => ParticipantRole)
  @Enum({ items: () => ParticipantRole })
  role!: ParticipantRole;

  @Field(() => ParticipantState)
  @Enum({ items: () => ParticipantState })
  state!: ParticipantState;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  joinedAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  leftAt: Date | null = null;

  @Field(() => [PublishedTrackType], { description: 'What they publish now.' })
  @Property({ type: 'json' })
  tracks: PublishedTrack[] = [];

  @Field({ description: 'Whether the host muted their microphone (until they publish again).' })
  @Property()
  muted: boolean = false;
}

/** A recording of a session: the host's file in drive, shared with those who were in it. */
@Directive(VIEWER_INDEPENDENT)
@ObjectType('LiveRecording')
@Entity({ tableName: 'recordings' })
export class Recording {
  [OptionalProps]?: 'id' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  sessionId!: string;

  @Property({ type: 'uuid' })
  fileId!: string;

  @Field()
  @Property({ type: 'text' })
  fileName!: string;

  @Field(() => SafeInt, { description: 'Bytes.' })
  @Property({ type: new BigIntType('number') })
  size!: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  durationSeconds!: number;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
