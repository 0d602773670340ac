import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A user as notifications knows one: by id. The identity subgraph resolves everything else. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;
}
