import { ArrayType, OptionalProps, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Where to reach a user, copied from identity's events: notifications never reads identity's
 * tables, so it keeps the contact details it needs, current as of the last identity.user.* event.
 */
@Entity({ tableName: 'recipients' })
export class Recipient {
  [OptionalProps]?: 'phone' | 'roles';

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property()
  displayName!: string;

  @Property()
  email!: string;

  @Property({ type: 'text', nullable: true })
  phone: string | null = null;

  /** Identity's roles (ADMIN...), for news that goes to everyone holding one. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  roles: string[] = [];

  /** The identity event these facts come from; older events never overwrite newer facts. */
  @Property({ type: 'uuid' })
  lastEventId!: string;
}
