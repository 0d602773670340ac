import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A file as live-sessions knows one: by id. Drive resolves it, for its owner and those it is shared with. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('File')
export class FileReference {
  @Field(() => ID)
  id!: string;
}

/** A conversation as live-sessions knows one: by id. The chat subgraph resolves it, for its members only. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class Conversation {
  @Field(() => ID)
  id!: string;
}
