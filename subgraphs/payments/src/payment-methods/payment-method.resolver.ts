import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../context.js';
import { PaymentMethodSetup } from './payment-method-setup.entity.js';
import { PaymentMethod } from './payment-method.entity.js';

@InputType()
export class AddPaymentMethodInput {
  @Field(() => String, {
    nullable: true,
    description:
      'A card token or one of Stripe’s test payment methods (pm_card_visa...); omitted, the client collects ' +
      'the card with Stripe.js.',
  })
  paymentMethodId?: string | null;

  @Field({ description: 'Retrying with the same key returns the same setup.' })
  idempotencyKey!: string;
}

@Resolver(() => PaymentMethodSetup)
export class PaymentMethodResolver {
  @Query(() => [PaymentMethod], { nullable: true, description: 'Your saved cards, newest first.' })
  paymentMethods(@Ctx() ctx: PaymentsContext) {
    return ctx.services.paymentMethods.list(requireViewer(ctx.viewer));
  }

  @Mutation(() => PaymentMethodSetup, {
    nullable: true,
    description: 'Saves a card for later payments (a setup at the provider, 3-D Secure included).',
  })
  addPaymentMethod(@Arg('input') input: AddPaymentMethodInput, @Ctx() ctx: PaymentsContext) {
    return ctx.services.paymentMethods.add(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => ID, {
    nullable: true,
    description: 'Detaches one of your cards at the provider and forgets it; returns its id.',
  })
  removePaymentMethod(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    return ctx.services.paymentMethods.remove(requireViewer(ctx.viewer), id);
  }

  @Mutation(() => PaymentMethod, { nullable: true })
  setDefaultPaymentMethod(@Arg('id', () => ID) id: string, @Ctx() ctx: PaymentsContext) {
    return ctx.services.paymentMethods.setDefault(requireViewer(ctx.viewer), id);
  }

  @FieldResolver(() => PaymentMethod, {
    nullable: true,
    description: 'The saved card, once the setup succeeded (and while it is saved).',
  })
  paymentMethod(@Root() setup: PaymentMethodSetup, @Ctx() ctx: PaymentsContext) {
    return setup.paymentMethodId ? ctx.services.paymentMethods.savedOf(setup.userId, setup.paymentMethodId) : null;
  }
}
