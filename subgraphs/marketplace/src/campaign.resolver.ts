import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Campaign, CampaignConnection, CampaignStatus } from './campaign.entity.js';
import { statusOf } from './campaign.service.js';
import type { MarketplaceContext } from './context.js';
import { Money, money } from './money.js';
import { Order } from './order.entity.js';
import { Product } from './product.entity.js';

@InputType()
export class PromoteProductInput {
  @Field(() => ID)
  productId!: string;

  @Field(() => Int, { description: 'Minor units per day, in the product’s currency.' })
  dailyBudget!: number;

  @Field(() => Int, { description: '1 to 90.' })
  days!: number;

  @Field({ description: 'Paid like any order: a saved method or a test one such as "pm_card_visa".' })
  paymentMethodId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Retrying with the same key returns the same campaign, bought once.',
  })
  idempotencyKey?: string | null;
}

@Resolver(() => Campaign)
export class CampaignResolver {
  @Mutation(() => Campaign, {
    nullable: true,
    description: 'Buys days of sponsored placement for one of your products; it starts once paid.',
  })
  promoteProduct(@Arg('input') input: PromoteProductInput, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.campaigns.promote(requireViewer(ctx.viewer), input);
  }

  @Query(() => CampaignConnection, {
    nullable: true,
    description: 'Your campaigns, newest first, with what they achieved.',
  })
  campaigns(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: MarketplaceContext,
  ) {
    return ctx.services.campaigns.mine(requireViewer(ctx.viewer), first, after);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Reports a click on a sponsored product (its `adCampaignId`); true when it counted.',
  })
  recordAdClick(@Arg('campaignId', () => ID) campaignId: string, @Ctx() ctx: MarketplaceContext) {
    return ctx.services.campaigns.recordClick(ctx.viewer, campaignId);
  }

  @FieldResolver(() => CampaignStatus)
  status(@Root() campaign: Campaign) {
    return statusOf(campaign);
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() campaign: Campaign, @Ctx() ctx: MarketplaceContext) {
    return ctx.loaders.product.load(campaign.productId);
  }

  @FieldResolver(() => Money)
  dailyBudget(@Root() campaign: Campaign) {
    return money(campaign.dailyBudget, campaign.currency);
  }

  @FieldResolver(() => Order, { nullable: true, description: 'The order that pays for it.' })
  order(@Root() campaign: Campaign, @Ctx() ctx: MarketplaceContext) {
    return ctx.loaders.order.load(campaign.orderId);
  }
}
