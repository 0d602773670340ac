import { Directive, Field, ID, ObjectType } from 'type-graphql';

export { UserReference as User } from '@peerlink/platform/graphql/user-reference';

/**
 * A post as notifications knows one: by id. The social subgraph resolves it, and hides it from those who may not see
 * it.
 */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class Post {
  @Field(() => ID)
  id!: string;
}

/** An order as notifications knows one: by id. The marketplace subgraph resolves it, for its buyer and seller. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class Order {
  @Field(() => ID)
  id!: string;
}

/** A conversation as notifications knows one: by id. The chat subgraph resolves it, for its members only. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class Conversation {
  @Field(() => ID)
  id!: string;
}

/**
 * A return request as notifications knows one: by id. The marketplace subgraph resolves it, for its buyer, seller and
 * admins.
 */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class ReturnRequest {
  @Field(() => ID)
  id!: string;
}
