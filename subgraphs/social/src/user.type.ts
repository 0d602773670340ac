import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '@peerlink/platform/graphql/pagination';

/**
 * A user as social sees one: identity owns the profile; social adds the follow graph and posts
 * (see user.resolver.ts). Social resolves its fields for any user id the gateway hands it.
 */
@Directive('@key(fields: "id")')
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;

  /** Identity's; social supplies it only where it says so (`@provides` on `Post.author`). */
  @Directive('@external')
  @Field()
  username?: string;

  @Directive('@external')
  @Field()
  displayName?: string;
}

export const userRef = (id: string): User => ({ id });

@ObjectType()
export class UserEdge {
  @Field()
  cursor!: string;

  @Field(() => User, { nullable: true })
  node!: User;

  @Field({ description: 'When the follow began.' })
  followedAt!: Date;
}

@ObjectType()
export class UserConnection {
  @Field(() => [UserEdge])
  edges!: UserEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many there are in all: the user’s followerCount or followingCount.' })
  totalCount!: number | Promise<number>;
}
