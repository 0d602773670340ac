import { Migration } from '@mikro-orm/migrations';

/**
 * The learning and storage read models (learning.ts, storage.ts), filled from the event log by the projection. Course
 * titles and revenue come from the sales read models (sales.ts).
 */
export class Migration20261206230500_learning_storage extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    // Enrollments, their ends and completions: one row per fact (keys in learning.ts).
    this.addSql(`create table ${s}.learning_facts (
      key text primary key,
      kind text not null,
      enrollment_id uuid not null,
      course_id uuid not null,
      user_id uuid not null,
      instructor_id uuid not null,
      source text,
      order_id uuid,
      course_title text,
      occurred_at timestamptz not null,
      event_id uuid not null
    )`);
    this.addSql(`create index learning_facts_by_instructor on ${s}.learning_facts (instructor_id, occurred_at)`);
    this.addSql(`create index learning_facts_by_enrollment on ${s}.learning_facts (enrollment_id, kind)`);
    // A lecture's watched seconds (a running total) as it stood at the end of each quarter hour it grew in.
    this.addSql(`create table ${s}.watch_slots (
      user_id uuid not null,
      lecture_id uuid not null,
      slot timestamptz not null,
      course_id uuid not null,
      instructor_id uuid not null,
      watched_seconds int not null,
      last_event_at timestamptz not null,
      primary key (user_id, lecture_id, slot)
    )`);
    this.addSql(`create index watch_slots_by_instructor on ${s}.watch_slots (instructor_id, slot)`);
    // Drive: each version stored, and each file purged with all its versions.
    this.addSql(`create table ${s}.stored_versions (
      version_id uuid primary key,
      file_id uuid not null,
      owner_id uuid not null,
      number int not null,
      size bigint not null,
      mime_type text not null,
      occurred_at timestamptz not null,
      event_id uuid not null
    )`);
    this.addSql(`create index stored_versions_by_time on ${s}.stored_versions (occurred_at)`);
    this.addSql(`create table ${s}.purged_files (
      file_id uuid primary key,
      owner_id uuid not null,
      mime_type text not null,
      bytes bigint not null,
      versions int not null,
      occurred_at timestamptz not null,
      event_id uuid not null
    )`);
  }
}
