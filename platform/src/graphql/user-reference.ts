import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * A user as a subgraph that only points at users knows one: by id. The identity subgraph owns
 * `User` and resolves every field but this one.
 */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('User')
export class UserReference {
  @Field(() => ID)
  id!: string;
}

export const userRef = (id: string): UserReference => ({ id });
