import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { DriveContext } from './context.js';
import { DriveFile, FileConnection } from './file.entity.js';

@Resolver(() => DriveFile)
export class TrashResolver {
  @Query(() => FileConnection, { nullable: true, description: 'Your files in the trash, most recently deleted first.' })
  trash(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: DriveContext,
  ) {
    return ctx.services.trash.list(requireViewer(ctx.viewer), first, after);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description:
      'The owner only: moves the file to the trash, where only you see it until you restore it or it is ' +
      'purged (DRIVE_TRASH_DAYS later).',
  })
  deleteFile(@Arg('id', () => ID) id: string, @Ctx() ctx: DriveContext) {
    return ctx.services.trash.trash(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => DriveFile, {
    nullable: true,
    description: 'The owner only: brings a file back from the trash, with its shares and grants.',
  })
  restoreFile(@Arg('id', () => ID) id: string, @Ctx() ctx: DriveContext) {
    return ctx.services.trash.restore(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'The owner only: removes a file in the trash now, with every version’s bytes.',
  })
  deleteFileForever(@Arg('id', () => ID) id: string, @Ctx() ctx: DriveContext) {
    return ctx.services.trash.purgeForever(requireViewer(ctx.viewer), id, ctx.loaders);
  }

  @Mutation(() => Int, {
    nullable: true,
    description: 'Removes everything in your trash now; answers how many files went.',
  })
  emptyTrash(@Ctx() ctx: DriveContext) {
    return ctx.services.trash.emptyTrash(requireViewer(ctx.viewer));
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: 'When a file in the trash will be purged; null for others, and while someone’s purchase holds it.',
  })
  async purgeAt(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    if (!file.deletedAt || (await ctx.loaders.purchased.load(file.id))) return null;
    return ctx.services.trash.purgeAt(file);
  }
}
