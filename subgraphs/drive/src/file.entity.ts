import { BigIntType, Entity, Enum, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { SafeInt } from '@peerlink/platform/graphql/safe-int';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum FileVisibility {
  PRIVATE = 'PRIVATE',
  PUBLIC = 'PUBLIC',
  RESTRICTED = 'RESTRICTED',
}
registerEnumType(FileVisibility, {
  name: 'FileVisibility',
  valuesConfig: {
    PRIVATE: { description: 'The owner only.' },
    PUBLIC: { description: 'Anyone, with a stable public URL.' },
    RESTRICTED: { description: 'The owner and the people it is shared with.' },
  },
});

export enum ShareRole {
  VIEWER = 'VIEWER',
  EDITOR = 'EDITOR',
}
registerEnumType(ShareRole, {
  name: 'ShareRole',
  description: 'Editors may also upload new versions and restore old ones.',
});

/** A file: its name and type, who owns it, who may see it, and which of its versions is current. */
@Directive('@key(fields: "id")')
@ObjectType('File')
@Entity({ tableName: 'files' })
export class DriveFile {
  [OptionalProps]?: 'id' | 'createdAt' | 'updatedAt' | 'visibility' | 'currentVersionId' | 'deletedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Field()
  @Property()
  name!: string;

  @Field()
  @Property()
  mimeType!: string;

  @Field(() => FileVisibility)
  @Enum({ items: () => FileVisibility })
  visibility: FileVisibility = FileVisibility.PRIVATE;

  @Property({ type: 'uuid', nullable: true })
  currentVersionId: string | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Field()
  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();

  /** Set while the file is in its owner's trash: then only they see it, until it is restored or purged. */
  @Field(() => Date, {
    nullable: true,
    description: 'When it went to the trash; null unless it is there (only its owner sees it then).',
  })
  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;
}

export const FileConnection = connectionOf(DriveFile, 'File', { totalCount: 'How many there are in all.' });

/** One stored content of a file; restoring makes an older one current again. */
@ObjectType()
@Entity({ tableName: 'file_versions' })
@Unique({ properties: ['fileId', 'number'] })
export class FileVersion {
  [OptionalProps]?: 'id' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  fileId!: string;

  @Field(() => Int, { description: '1 for the first upload, then counting up.' })
  @Property()
  number!: number;

  @Field(() => SafeInt, { description: 'Bytes.' })
  @Property({ type: new BigIntType('number') })
  size!: number;

  @Field({ description: 'SHA-256 of the bytes, hex.' })
  @Property()
  checksum!: string;

  @Property()
  storageKey!: string;

  @Property({ type: 'uuid' })
  uploadedBy!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@ObjectType()
@Entity({ tableName: 'file_shares' })
export class FileShare {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  fileId!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Field(() => ShareRole)
  @Enum({ items: () => ShareRole })
  role!: ShareRole;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/**
 * An upload under way: a one-time signed URL for `size` bytes, which `completeUpload` checks and
 * turns into a version. Uploads never completed expire, and their bytes are removed.
 */
@Entity({ tableName: 'uploads' })
export class Upload {
  [OptionalProps]?: 'id' | 'createdAt' | 'completedAt' | 'rejectedAt' | 'fileId' | 'checksum';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  /** A new version of this file; null for a new file. */
  @Property({ type: 'uuid', nullable: true })
  fileId: string | null = null;

  @Property({ type: 'uuid' })
  uploaderId!: string;

  /** Whose quota it counts against: the file's owner. */
  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property()
  name!: string;

  @Property()
  mimeType!: string;

  @Property({ type: new BigIntType('number') })
  size!: number;

  /** The SHA-256 the client expects, when it said. */
  @Property({ type: 'text', nullable: true })
  checksum: string | null = null;

  @Property()
  storageKey!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  /** Refused at completion (wrong size or checksum), or its file deleted: kept until swept. */
  @Property({ type: 'timestamptz', nullable: true })
  rejectedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@ObjectType({
  description: 'Where and how to send the bytes: PUT them to `uploadUrl` with these headers, then call completeUpload.',
})
export class UploadTicket {
  @Field(() => ID)
  uploadId!: string;

  @Field()
  uploadUrl!: string;

  @Field()
  method!: string;

  @Field(() => [UploadHeader])
  headers!: UploadHeader[];

  @Field()
  expiresAt!: Date;
}

@ObjectType()
export class UploadHeader {
  @Field()
  name!: string;

  @Field()
  value!: string;
}
