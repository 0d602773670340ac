import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

export enum AttachmentStatus {
  /** Asked for; drive has not answered yet. */
  PENDING = 'PENDING',
  /** Drive checked the sender may read it and lets the conversation's members download it. */
  ACCEPTED = 'ACCEPTED',
  /** The sender may not read it (or it does not exist): it is never shown. */
  REFUSED = 'REFUSED',
}

/** A drive file attached to a message, in the order the sender gave. */
@Entity({ tableName: 'message_attachments' })
export class MessageAttachment {
  @PrimaryKey({ type: 'uuid' })
  messageId!: string;

  @PrimaryKey({ type: 'uuid' })
  fileId!: string;

  @Property()
  position!: number;

  @Enum({ items: () => AttachmentStatus })
  status!: AttachmentStatus;
}

/** A file as chat knows one: by id. The drive subgraph resolves it, for those who may read it. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('File')
export class FileReference {
  @Field(() => ID)
  id!: string;
}

/**
 * What chat reads of drive's `drive.attachments.checked` event. Declared here rather than imported,
 * because drive already depends on chat's events and the two packages must not depend on each other.
 */
export interface AttachmentsChecked {
  messageId: string;
  conversationId: string;
  accepted: string[];
  refused: string[];
}
