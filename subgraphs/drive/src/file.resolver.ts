import { requireViewer } from '@peerlink/platform/auth/viewer';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { SafeInt } from '@peerlink/platform/graphql/safe-int';
import type { DriveContext } from './context.js';
import {
  DriveFile,
  FileConnection,
  FileShare,
  FileVersion,
  FileVisibility,
  ShareRole,
  UploadTicket,
} from './file.entity.js';
import { UserReference as User, userRef } from '@peerlink/platform/graphql/user-reference';

@InputType()
export class CreateUploadInput {
  @Field()
  name!: string;

  @Field()
  mimeType!: string;

  @Field(() => SafeInt, { description: 'Bytes you will send; exactly these are accepted.' })
  size!: number;

  @Field(() => String, { nullable: true, description: 'SHA-256 (hex) of the bytes; completeUpload refuses others.' })
  checksum?: string | null;

  @Field(() => ID, { nullable: true, description: 'Upload a new version of this file (owner or editor).' })
  fileId?: string | null;
}

@ObjectType()
export class MimeTypeUsage {
  @Field()
  mimeType!: string;

  @Field(() => SafeInt)
  bytes!: number;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class StorageUsage {
  @Field(() => SafeInt, { description: 'Every version of every file you own, in the trash too.' })
  usedBytes!: number;

  @Field(() => SafeInt)
  quotaBytes!: number;

  @Field(() => Int, { description: 'Files you own, those in the trash included.' })
  fileCount!: number;

  @Field(() => SafeInt, { description: 'Of usedBytes, what your trash holds: freed when it is purged.' })
  trashBytes!: number;

  @Field(() => Int)
  trashFileCount!: number;

  @Field(() => [MimeTypeUsage])
  byMimeType!: MimeTypeUsage[];
}

@ObjectType()
export class StorageTotals {
  @Field(() => SafeInt)
  usedBytes!: number;

  @Field(() => Int)
  fileCount!: number;

  @Field(() => Int, { description: 'Users who own at least one file.' })
  userCount!: number;

  @Field(() => [MimeTypeUsage])
  byMimeType!: MimeTypeUsage[];
}

@Resolver(() => DriveFile)
export class FileResolver {
  @Query(() => DriveFile, { nullable: true, description: 'A file you may read.' })
  file(@Arg('id', () => ID) id: string, @Ctx() ctx: DriveContext) {
    return ctx.services.files.readable(id, ctx.loaders);
  }

  @Query(() => FileConnection, { nullable: true, description: 'Your files, newest first.' })
  files(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: DriveContext,
  ) {
    return ctx.services.files.mine(requireViewer(ctx.viewer), first, after);
  }

  @Query(() => StorageUsage, { nullable: true })
  storageUsage(@Ctx() ctx: DriveContext) {
    return ctx.services.files.usage(requireViewer(ctx.viewer));
  }

  @Query(() => StorageTotals, { nullable: true, description: 'Admins only.' })
  storageTotals(@Ctx() ctx: DriveContext) {
    return ctx.services.files.totals(requireViewer(ctx.viewer));
  }

  @Mutation(() => UploadTicket, {
    nullable: true,
    description: 'Starts an upload: PUT the bytes to the ticket’s URL, then call completeUpload.',
  })
  createUpload(@Arg('input') input: CreateUploadInput, @Ctx() ctx: DriveContext) {
    return ctx.services.uploads.create(requireViewer(ctx.viewer), input, ctx.client, ctx.loaders);
  }

  @Mutation(() => DriveFile, {
    nullable: true,
    description: 'Checks the uploaded bytes (size and checksum) and makes them the file’s current version.',
  })
  completeUpload(@Arg('uploadId', () => ID) uploadId: string, @Ctx() ctx: DriveContext) {
    return ctx.services.uploads.complete(requireViewer(ctx.viewer), uploadId, ctx.loaders);
  }

  @Mutation(() => DriveFile, {
    nullable: true,
    description: 'Makes an earlier version current again (owner or editor).',
  })
  restoreFileVersion(
    @Arg('fileId', () => ID) fileId: string,
    @Arg('versionId', () => ID) versionId: string,
    @Ctx() ctx: DriveContext,
  ) {
    return ctx.services.files.restore(requireViewer(ctx.viewer), fileId, versionId, ctx.loaders);
  }

  @Mutation(() => DriveFile, { nullable: true, description: 'The owner only.' })
  setFileVisibility(
    @Arg('id', () => ID) id: string,
    @Arg('visibility', () => FileVisibility) visibility: FileVisibility,
    @Ctx() ctx: DriveContext,
  ) {
    return ctx.services.files.setVisibility(requireViewer(ctx.viewer), id, visibility, ctx.loaders);
  }

  @Mutation(() => DriveFile, {
    nullable: true,
    description: 'The owner only. Sharing a PRIVATE file makes it RESTRICTED.',
  })
  shareFile(
    @Arg('fileId', () => ID) fileId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => ShareRole) role: ShareRole,
    @Ctx() ctx: DriveContext,
  ) {
    return ctx.services.files.share(requireViewer(ctx.viewer), fileId, userId, role, ctx.loaders);
  }

  @Mutation(() => DriveFile, { nullable: true, description: 'The owner only.' })
  unshareFile(
    @Arg('fileId', () => ID) fileId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: DriveContext,
  ) {
    return ctx.services.files.unshare(requireViewer(ctx.viewer), fileId, userId, ctx.loaders);
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() file: DriveFile) {
    return userRef(file.ownerId);
  }

  @FieldResolver(() => FileVersion, { nullable: true })
  async currentVersion(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    return (await ctx.loaders.versions.load(file.id)).find((v) => v.id === file.currentVersionId) ?? null;
  }

  @FieldResolver(() => SafeInt, { description: 'Bytes of the current version.' })
  async size(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    return (await this.currentVersion(file, ctx))?.size ?? 0;
  }

  @FieldResolver(() => String, { description: 'SHA-256 of the current version, hex.' })
  async checksum(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    return (await this.currentVersion(file, ctx))?.checksum ?? '';
  }

  @FieldResolver(() => [FileVersion], { description: 'Newest first.' })
  versions(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    return ctx.loaders.versions.load(file.id);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'A signed link to the current version, valid for 15 minutes; null for anyone who may not read the file.',
  })
  async downloadUrl(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    const version = await this.currentVersion(file, ctx);
    if (!version || !(await ctx.loaders.canRead(file))) return null;
    return ctx.services.files.downloadUrl(file, version, ctx.client);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'For PUBLIC files out of the trash: a link that does not expire.',
  })
  publicUrl(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    return ctx.services.files.publicUrl(file, ctx.client);
  }

  @FieldResolver(() => [FileShare], {
    nullable: true,
    description: 'Who it is shared with; the owner only, null for others.',
  })
  async shares(@Root() file: DriveFile, @Ctx() ctx: DriveContext) {
    return file.ownerId === ctx.viewer?.userId ? ctx.loaders.shares.load(file.id) : null;
  }
}

@Resolver(() => FileVersion)
export class FileVersionResolver {
  @FieldResolver(() => String, { nullable: true, description: 'A signed link to this version, valid for 15 minutes.' })
  async downloadUrl(@Root() version: FileVersion, @Ctx() ctx: DriveContext) {
    const file = await ctx.loaders.file.load(version.fileId);
    if (!file || !(await ctx.loaders.canRead(file))) return null;
    return ctx.services.files.downloadUrl(file, version, ctx.client);
  }

  @FieldResolver(() => User, { nullable: true })
  uploadedBy(@Root() version: FileVersion) {
    return userRef(version.uploadedBy);
  }
}

@Resolver(() => FileShare)
export class FileShareResolver {
  @FieldResolver(() => User, { nullable: true })
  user(@Root() share: FileShare) {
    return userRef(share.userId);
  }
}
