import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { PaymentsContext } from '../context.js';
import { Plan, PlanInterval } from './plan.entity.js';

@InputType()
export class CreatePlanInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Int, { description: 'Charged each period, in minor units.' })
  amount!: number;

  @Field({ description: 'Lowercase ISO 4217, e.g. "usd".' })
  currency!: string;

  @Field(() => PlanInterval)
  interval!: PlanInterval;
}

@Resolver(() => Plan)
export class PlanResolver {
  @Query(() => [Plan], { nullable: true, description: 'The plans on sale, for anyone, cheapest first.' })
  plans(@Ctx() ctx: PaymentsContext) {
    return ctx.services.plans.onSale();
  }

  @Mutation(() => Plan, { nullable: true, description: 'Admins only: a new plan, with its price at the provider.' })
  createPlan(@Arg('input') input: CreatePlanInput, @Ctx() ctx: PaymentsContext) {
    return ctx.services.plans.create(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => Plan, { nullable: true, description: 'Admins only: no new subscribers; current ones keep renewing.' })
  archivePlan(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    return ctx.services.plans.archive(requireViewer(ctx.viewer), id);
  }
}
