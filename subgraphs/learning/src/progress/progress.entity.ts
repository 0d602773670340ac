import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Where one student is in one lecture; heartbeats upsert it with plain SQL (progress.service.ts). */
@Entity({ tableName: 'lecture_progress' })
export class LectureProgress {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @PrimaryKey({ type: 'uuid' })
  lectureId!: string;

  @Property({ type: 'uuid' })
  courseId!: string;

  @Property({ type: 'integer' })
  positionSeconds!: number;

  /** The most of the lecture any heartbeat said was seen. */
  @Property({ type: 'integer' })
  watchedSeconds!: number;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** A display name from identity's events, for certificates. */
@Entity({ tableName: 'learners' })
export class Learner {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'uuid' })
  lastEventId!: string;
}
