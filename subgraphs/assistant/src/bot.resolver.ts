import { holdsRole } from '@peerlink/platform/auth/roles';
import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Bot } from './bot.entity.js';
import type { AssistantContext } from './context.js';

@InputType('AssistantBotIntentInput', { description: 'What the offline engine recognises, from examples.' })
export class BotIntentInput {
  @Field()
  name!: string;

  @Field(() => [String])
  examples!: string[];

  @Field(() => String, { nullable: true, description: 'The tool it calls for this intent.' })
  tool?: string;

  @Field(() => String, { nullable: true, description: 'What it answers (after the tool’s findings, if any).' })
  answer?: string;
}

@InputType('AssistantBotInput', { description: 'Unset fields are left as they are (editing) or required (creating).' })
export class BotInput {
  @Field(() => String, { nullable: true })
  slug?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  instructions?: string | null;

  @Field(() => [String], { nullable: true })
  tools?: string[] | null;

  @Field(() => [BotIntentInput], { nullable: true })
  intents?: BotIntentInput[] | null;
}

@Resolver(() => Bot)
export class BotResolver {
  @Query(() => [Bot], { nullable: true, description: 'The assistants you may ask.' })
  assistantBots(@Ctx() ctx: AssistantContext) {
    requireViewer(ctx.viewer);
    return ctx.services.bots.list();
  }

  @Mutation(() => Bot, { nullable: true, description: 'Admins only.' })
  createAssistantBot(@Arg('input') input: BotInput, @Ctx() ctx: AssistantContext) {
    return ctx.services.bots.create(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => Bot, { nullable: true, description: 'Admins only.' })
  updateAssistantBot(@Arg('id', () => ID) id: string, @Arg('input') input: BotInput, @Ctx() ctx: AssistantContext) {
    return ctx.services.bots.update(requireViewer(ctx.viewer), id, input);
  }

  @FieldResolver(() => String, { description: 'What it helps with, and what writes its answers.' })
  description(@Root() bot: Bot, @Ctx() ctx: AssistantContext) {
    return `${bot.description} ${ctx.services.provider.disclosure}`;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Its instructions to the model: admins only.' })
  instructions(@Root() bot: Bot, @Ctx() ctx: AssistantContext) {
    return holdsRole(ctx.viewer, 'ADMIN') ? bot.instructions : null;
  }
}
