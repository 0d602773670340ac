import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A user as chat knows one: by id. The identity subgraph resolves everything else. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;
}

export const userRef = (id: string): User => ({ id });
