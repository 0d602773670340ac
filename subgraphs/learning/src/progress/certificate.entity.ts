import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * Proof that a student completed a course. Made when the course completes; its PDF is drawn
 * afterwards (certificate-worker.ts), and until then it is not shown: the names on it are taken then.
 */
@ObjectType({ description: 'Proof that a student completed a course; anyone with its id or link may check it.' })
@Entity({ tableName: 'certificates' })
export class Certificate {
  [OptionalProps]?: 'id' | 'fileId' | 'studentName' | 'instructorName' | 'pdfKey';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  courseId!: string;

  @Property({ type: 'uuid' })
  instructorId!: string;

  @Field({ description: 'As it was when the course was completed.' })
  @Property({ type: 'text' })
  courseTitle!: string;

  @Field({ description: 'When the course was completed.' })
  @Property({ type: 'timestamptz' })
  issuedAt!: Date;

  /** The student's drive file holding the PDF, chosen here so drive registers it under this id. */
  @Property({ type: 'uuid' })
  fileId: string = uuidv7();

  @Field(() => String)
  @Property({ type: 'text', nullable: true })
  studentName: string | null = null;

  @Field(() => String)
  @Property({ type: 'text', nullable: true })
  instructorName: string | null = null;

  /** Where the PDF is in object storage; null until it is drawn. */
  @Property({ type: 'text', nullable: true })
  pdfKey: string | null = null;
}

/** The student's PDF as a drive file; drive resolves it for those who may read it (the student). */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('File')
export class FileReference {
  @Field(() => ID)
  id!: string;
}
