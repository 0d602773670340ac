import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A conversation as live-sessions knows one: by id. The chat subgraph resolves it, for its members only. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class Conversation {
  @Field(() => ID)
  id!: string;
}
