import { Migration } from '@mikro-orm/migrations';

export class Migration20261206030000_progress extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    // One row per student and lecture, upserted by every heartbeat: the only write a heartbeat makes.
    this.addSql(`create table ${s}.lecture_progress (
      user_id uuid not null,
      lecture_id uuid not null references ${s}.lectures (id) on delete cascade,
      course_id uuid not null,
      position_seconds integer not null check (position_seconds >= 0),
      watched_seconds integer not null check (watched_seconds >= 0),
      completed_at timestamptz,
      updated_at timestamptz not null,
      primary key (user_id, lecture_id)
    )`);
    this.addSql(`create index lecture_progress_by_course on ${s}.lecture_progress (course_id, user_id)`);
    this.addSql(`alter table ${s}.enrollments add column completed_at timestamptz`);
    this.addSql(`create table ${s}.certificates (
      id uuid primary key,
      user_id uuid not null,
      course_id uuid not null references ${s}.courses (id),
      instructor_id uuid not null,
      course_title text not null,
      issued_at timestamptz not null,
      file_id uuid not null unique,
      student_name text,
      instructor_name text,
      pdf_key text,
      unique (user_id, course_id)
    )`);
    // Display names from identity's events: certificates name the student and the instructor.
    this.addSql(`create table ${s}.learners (
      user_id uuid primary key,
      display_name text not null,
      last_event_id uuid not null
    )`);
  }
}
