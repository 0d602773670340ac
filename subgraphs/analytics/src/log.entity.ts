import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The tables, as MikroORM knows them. The projection and the reports write and read them with SQL
 * (projection.ts, report.service.ts): they insert with `on conflict do nothing` and aggregate.
 */
@Entity({ tableName: 'event_log' })
export class LoggedEventRow {
  @PrimaryKey({ type: 'uuid' })
  eventId!: string;

  @Property()
  name!: string;

  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Property({ type: 'json' })
  payload!: unknown;

  @Property({ type: 'timestamptz' })
  receivedAt!: Date;
}

@Entity({ tableName: 'facts' })
export class FactRow {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property()
  kind!: string;

  @Property({ type: 'uuid', nullable: true })
  subjectId!: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Property({ type: 'bigint', nullable: true })
  amount!: number | null;

  @Property({ nullable: true })
  currency!: string | null;

  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Property({ type: 'uuid' })
  eventId!: string;
}
