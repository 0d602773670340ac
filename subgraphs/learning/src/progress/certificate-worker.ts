import { consumeObserved } from '@peerlink/platform/events/consumer';
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { LearningEvents } from '@peerlink/contracts/learning';
import type { Orm } from '@peerlink/platform/db/database';
import type { EventBus, Unsubscribe } from '@peerlink/platform/events/event-bus';
import type { Outbox } from '@peerlink/platform/events/outbox';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import { Certificate } from './certificate.entity.js';
import { certificatePdf } from './certificate-pdf.js';
import { Learner } from './progress.entity.js';

type Completion = LearningEvents['learning.course.completed'];

/** A certificate's public verification page, which the gateway serves (gateway/src/pages.ts). */
export const verificationUrl = (publicUrl: string, certificateId: string) =>
  `${publicUrl.replace(/\/$/, '')}/certificate?id=${certificateId}`;

/**
 * Draws each completed course's certificate: reads the names, renders the PDF and stores it with no
 * transaction open, then records it and tells drive (`learning.certificate.issued`) in one short
 * transaction. Its own durable consumer, so a failure is retried like any event: a name not heard of
 * yet from identity, or a storage outage. Drawing again gives the same key, so a retry after the
 * store but before the record only overwrites the same object.
 */
const CONSUMER = 'learning-certificates';

export class CertificateWorker {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<LearningEvents>,
    private readonly bus: EventBus,
    private readonly storage: ObjectStorage,
    private readonly publicUrl: string,
  ) {}

  start(): Promise<Unsubscribe> {
    return consumeObserved(this.bus, 'learning', CONSUMER, ['learning.course.completed'], (event) =>
      this.draw(event.payload as Completion),
    );
  }

  async draw({ certificateId }: Completion) {
    const em = this.orm.em.fork() as EntityManager;
    const certificate = await em.findOne(Certificate, certificateId);
    if (!certificate || certificate.pdfKey) return;
    const names = await em.find(Learner, { userId: { $in: [certificate.userId, certificate.instructorId] } });
    const nameOf = (userId: string) => names.find((n) => n.userId === userId)?.displayName;
    const studentName = nameOf(certificate.userId);
    const instructorName = nameOf(certificate.instructorId);
    if (!studentName || !instructorName) throw new Error(`names for certificate ${certificateId} not known yet`);
    const pdf = await certificatePdf({
      studentName,
      instructorName,
      courseTitle: certificate.courseTitle,
      issuedAt: certificate.issuedAt,
      verificationUrl: verificationUrl(this.publicUrl, certificate.id),
    });
    const pdfKey = `certificates/${certificate.id}`;
    await this.storage.put(pdfKey, pdf, 'application/pdf');
    await this.outbox.transaction(async (tx, publish) => {
      const current = await tx.findOne(Certificate, certificate.id, { refresh: true });
      if (!current || current.pdfKey) return;
      Object.assign(current, { pdfKey, studentName, instructorName });
      publish('learning.certificate.issued', {
        certificateId: current.id,
        userId: current.userId,
        courseId: current.courseId,
        courseTitle: current.courseTitle,
        fileId: current.fileId,
        fileName: `${fileNameOf(current.courseTitle)} certificate.pdf`,
        storageKey: pdfKey,
        size: pdf.length,
        checksum: createHash('sha256').update(pdf).digest('hex'),
      });
    });
  }
}

/** A title as a file name: no path separators or control characters, not too long. */
const fileNameOf = (title: string) =>
  title
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f/\\]+/g, ' ')
    .trim()
    .slice(0, 100) || 'Course';
