import { requireViewer } from '@peerlink/platform/auth/viewer';
import { liveDirective } from '@peerlink/platform/graphql/live';
import {
  Arg,
  Ctx,
  Directive,
  Field,
  FieldResolver,
  ID,
  InputType,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { PaymentsContext } from '../context.js';
import { PlanSubscription } from './plan-subscription.entity.js';
import { Plan } from './plan.entity.js';

@InputType()
export class SubscribeToPlanInput {
  @Field(() => ID)
  planId!: string;

  @Field(() => ID, { description: 'One of your saved payment methods: it pays the first period and every renewal.' })
  paymentMethodId!: string;

  @Field({ description: 'Retrying with the same key returns the same subscription.' })
  idempotencyKey!: string;
}

@Resolver(() => PlanSubscription)
export class PlanSubscriptionResolver {
  @Query(() => [PlanSubscription], { nullable: true, description: 'Your plan subscriptions, newest first.' })
  myPlanSubscriptions(@Ctx() ctx: PaymentsContext) {
    return ctx.services.planSubscriptions.mine(requireViewer(ctx.viewer));
  }

  @Query(() => PlanSubscription, { nullable: true, description: 'One of your plan subscriptions.' })
  planSubscription(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    return ctx.services.planSubscriptions.owned(requireViewer(ctx.viewer), id);
  }

  @Mutation(() => PlanSubscription, {
    nullable: true,
    description:
      'Subscribes you to a plan and charges the first period now (INCOMPLETE, with the reason, if that fails).',
  })
  createPlanSubscription(@Arg('input') input: SubscribeToPlanInput, @Ctx() ctx: PaymentsContext) {
    return ctx.services.planSubscriptions.subscribe(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => PlanSubscription, { nullable: true, deprecationReason: 'Use createPlanSubscription.' })
  subscribeToPlan(@Arg('input') input: SubscribeToPlanInput, @Ctx() ctx: PaymentsContext) {
    return this.createPlanSubscription(input, ctx);
  }

  @Mutation(() => PlanSubscription, {
    nullable: true,
    description: 'Stops renewal: you keep the plan until `currentPeriodEnd`, then it is CANCELLED.',
  })
  cancelPlanSubscription(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    return ctx.services.planSubscriptions.cancel(requireViewer(ctx.viewer), id);
  }

  @Directive(
    liveDirective({
      subject: 'payments.plan_subscription.updated',
      lookup: 'planSubscription',
      audience: 'recipientIds',
    }),
  )
  @Subscription(() => PlanSubscription, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description:
      'Your plan subscriptions as they change (renewed, past due, cancelled); all of them, or one by ' +
      '`planSubscriptionId`.',
  })
  planSubscriptionUpdated(
    @Arg('planSubscriptionId', () => ID, { nullable: true }) _planSubscriptionId: string | null,
    @Root() subscription: PlanSubscription,
  ) {
    return subscription;
  }

  @FieldResolver(() => Plan)
  plan(@Root() subscription: PlanSubscription, @Ctx() ctx: PaymentsContext) {
    return ctx.services.plans.byId(subscription.planId);
  }
}
