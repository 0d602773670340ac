import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum LectureKind {
  VIDEO = 'VIDEO',
  ARTICLE = 'ARTICLE',
}
registerEnumType(LectureKind, { name: 'LectureKind' });

export enum VideoStatus {
  /** Waiting for drive to hand over the file, or for a free transcoder. */
  QUEUED = 'QUEUED',
  PROCESSING = 'PROCESSING',
  READY = 'READY',
  /** `failureReason` says what to do; attaching another file starts again. */
  FAILED = 'FAILED',
}
registerEnumType(VideoStatus, { name: 'VideoStatus' });

@ObjectType({ description: 'A titled part of a course, holding lectures in order.' })
@Entity({ tableName: 'sections' })
export class Section {
  [OptionalProps]?: 'id' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  courseId!: string;

  @Field()
  @Property({ type: 'text' })
  title!: string;

  @Field(() => Int, { description: 'From 0, in the course’s order.' })
  @Property({ type: 'integer' })
  position!: number;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@ObjectType({ description: 'One lesson: a video, or an article to read.' })
@Entity({ tableName: 'lectures' })
export class Lecture {
  [OptionalProps]?:
    | 'id'
    | 'isFreePreview'
    | 'body'
    | 'durationSeconds'
    | 'videoFileId'
    | 'videoStatus'
    | 'videoProgress'
    | 'videoFailureReason'
    | 'videoJobId'
    | 'videoKey'
    | 'videoAttempts'
    | 'createdAt'
    | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  courseId!: string;

  @Property({ type: 'uuid' })
  sectionId!: string;

  @Field()
  @Property({ type: 'text' })
  title!: string;

  @Field(() => LectureKind)
  @Enum({ items: () => LectureKind })
  kind!: LectureKind;

  @Field(() => Int, { description: 'From 0, within its section.' })
  @Property({ type: 'integer' })
  position!: number;

  @Field({ description: 'Anyone signed in may watch or read it, enrolled or not.' })
  @Property({ type: 'boolean' })
  isFreePreview: boolean = false;

  /** An article's text (Markdown); shown through `Lecture.body` to those who may open the lecture. */
  @Property({ type: 'text', nullable: true })
  body: string | null = null;

  /** A video's measured length, or an article's reading time the instructor gives. */
  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  durationSeconds: number | null = null;

  /** The drive file the current video came from. */
  @Property({ type: 'uuid', nullable: true })
  videoFileId: string | null = null;

  @Enum({ items: () => VideoStatus, nullable: true })
  videoStatus: VideoStatus | null = null;

  /** 0 to 1 while PROCESSING. */
  @Property({ type: 'float' })
  videoProgress: number = 0;

  @Property({ type: 'text', nullable: true })
  videoFailureReason: string | null = null;

  /** The transcode job the lecture waits for; a late result of an older job is ignored. */
  @Property({ type: 'uuid', nullable: true })
  videoJobId: string | null = null;

  @Property({ type: 'integer' })
  videoAttempts: number = 0;

  /** Where the ready HLS files are: `<videoKey>/master` and so on, in object storage. */
  @Property({ type: 'text', nullable: true })
  videoKey: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
