import { Migration } from '@mikro-orm/migrations';
import { PEOPLE_TABLE_SQL } from '@peerlink/platform/accounts/people';

export class Migration20261122300000_drive extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(PEOPLE_TABLE_SQL(s));
    this.addSql(`create table ${s}.files (
      id uuid primary key,
      owner_id uuid not null,
      name text not null,
      mime_type text not null,
      visibility text not null check (visibility in ('PRIVATE', 'PUBLIC', 'RESTRICTED')),
      current_version_id uuid,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index files_by_owner on ${s}.files (owner_id, id desc)`);
    this.addSql(`create table ${s}.file_versions (
      id uuid primary key,
      file_id uuid not null references ${s}.files (id) on delete cascade,
      number integer not null,
      size bigint not null,
      checksum text not null,
      storage_key text not null,
      uploaded_by uuid not null,
      created_at timestamptz not null,
      unique (file_id, number)
    )`);
    this.addSql(`create table ${s}.file_shares (
      file_id uuid not null references ${s}.files (id) on delete cascade,
      user_id uuid not null,
      role text not null check (role in ('VIEWER', 'EDITOR')),
      created_at timestamptz not null,
      primary key (file_id, user_id)
    )`);
    this.addSql(`create index file_shares_by_user on ${s}.file_shares (user_id)`);
    this.addSql(`create table ${s}.uploads (
      id uuid primary key,
      file_id uuid,
      uploader_id uuid not null,
      owner_id uuid not null,
      name text not null,
      mime_type text not null,
      size bigint not null,
      checksum text,
      storage_key text not null,
      expires_at timestamptz not null,
      completed_at timestamptz,
      created_at timestamptz not null
    )`);
    this.addSql(`create index uploads_pending on ${s}.uploads (expires_at) where completed_at is null`);
  }
}
