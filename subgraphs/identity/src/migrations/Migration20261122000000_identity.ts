import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000_identity extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.users (
      id uuid primary key,
      username text not null unique,
      display_name text not null,
      bio text,
      avatar_url text,
      roles text[] not null default '{USER}',
      created_at timestamptz not null,
      updated_at timestamptz not null,
      email text not null unique,
      email_verified boolean not null default false,
      phone text,
      phone_verified boolean not null default false,
      password_hash text not null
    )`);
    this.addSql(`create table ${s}.sessions (
      id uuid primary key,
      user_id uuid not null references ${s}.users (id) on delete cascade,
      user_agent text,
      ip text,
      created_at timestamptz not null,
      revoked_at timestamptz
    )`);
    this.addSql(`create index sessions_user on ${s}.sessions (user_id) where revoked_at is null`);
    this.addSql(`create table ${s}.refresh_tokens (
      id uuid primary key,
      session_id uuid not null references ${s}.sessions (id) on delete cascade,
      token_hash text not null unique,
      expires_at timestamptz not null,
      replaced_at timestamptz
    )`);
    this.addSql(`create table ${s}.known_devices (
      id uuid primary key,
      user_id uuid not null references ${s}.users (id) on delete cascade,
      fingerprint text not null,
      first_seen_at timestamptz not null,
      unique (user_id, fingerprint)
    )`);
    this.addSql(`create table ${s}.verifications (
      id uuid primary key,
      user_id uuid not null references ${s}.users (id) on delete cascade,
      purpose text not null check (purpose in ('email_verification', 'password_reset', 'phone_verification')),
      target text not null,
      secret_hash text not null unique,
      expires_at timestamptz not null,
      used_at timestamptz,
      attempts int not null default 0,
      created_at timestamptz not null
    )`);
    this.addSql(
      `create index verifications_pending on ${s}.verifications (user_id, purpose, created_at desc) where ` +
        `used_at is null`,
    );
    this.addSql(`create table ${s}.activities (
      id uuid primary key,
      user_id uuid not null references ${s}.users (id) on delete cascade,
      kind text not null,
      ip text,
      user_agent text,
      detail text,
      created_at timestamptz not null
    )`);
    this.addSql(`create index activities_user_recent on ${s}.activities (user_id, created_at desc, id desc)`);
  }
}
