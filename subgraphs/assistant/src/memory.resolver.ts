import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { AssistantContext } from './context.js';
import { Memory } from './memory.entity.js';

@Resolver(() => Memory)
export class MemoryResolver {
  @Query(() => [Memory], { nullable: true, description: 'What the assistant remembers about you, oldest first.' })
  assistantMemories(@Ctx() ctx: AssistantContext) {
    return ctx.services.memories.list(requireViewer(ctx.viewer));
  }

  @Mutation(() => Boolean, { nullable: true })
  forgetAssistantMemory(@Arg('id', () => ID) id: string, @Ctx() ctx: AssistantContext) {
    return ctx.services.memories.forget(requireViewer(ctx.viewer), id);
  }

  @Mutation(() => Int, { nullable: true, description: 'Forgets everything it remembers about you; how many.' })
  forgetAllAssistantMemories(@Ctx() ctx: AssistantContext) {
    return ctx.services.memories.forgetAll(requireViewer(ctx.viewer));
  }
}
