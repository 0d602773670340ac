import { OptionalProps, ArrayType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';

export enum Role {
  USER = 'USER',
  MODERATOR = 'MODERATOR',
  ADMIN = 'ADMIN',
  SELLER = 'SELLER',
  INSTRUCTOR = 'INSTRUCTOR',
}
registerEnumType(Role, { name: 'Role', description: 'What a user may do beyond the basics.' });

/**
 * A person's account. The GraphQL type shows the public profile; email and phone fields are
 * resolved in user.resolver.ts, which hides them from everyone but the user and admins.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'users' })
export class User {
  [OptionalProps]?:
    | 'id'
    | 'bio'
    | 'avatarUrl'
    | 'roles'
    | 'createdAt'
    | 'updatedAt'
    | 'emailVerified'
    | 'phone'
    | 'phoneVerified';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  // Shareable: other subgraphs keep copies of the names and may serve them where they say so
  // (`@provides`), so a feed page needs no call here.
  @Directive('@shareable')
  @Directive(VIEWER_INDEPENDENT)
  @Field({ description: 'Unique, lowercase; used in profile URLs and to sign in.' })
  @Property({ unique: true })
  username!: string;

  @Directive('@shareable')
  @Directive(VIEWER_INDEPENDENT)
  @Field()
  @Property()
  displayName!: string;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  bio: string | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  avatarUrl: string | null = null;

  @Field(() => [Role])
  @Property({ type: ArrayType })
  roles: Role[] = [Role.USER];

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ unique: true })
  email!: string;

  @Property()
  emailVerified: boolean = false;

  @Property({ type: 'text', nullable: true })
  phone: string | null = null;

  @Property()
  phoneVerified: boolean = false;

  @Property({ hidden: true })
  passwordHash!: string;
}
