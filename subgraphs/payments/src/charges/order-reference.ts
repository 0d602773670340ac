import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** An order as payments knows one: by id. The marketplace subgraph owns `Order` and resolves the rest. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Order')
export class OrderReference {
  @Field(() => ID)
  id!: string;
}

export const orderRef = (id: string): OrderReference => ({ id });
