/** The events learning publishes, with their payloads: what other subgraphs may know of learning. */
export type LearningEvents = {
  /**
   * A course is published, or a published course changed. Marketplace keeps a product of kind COURSE for a paid one
   * (`productId`, owned by the instructor, at `priceAmount` in `currency`); null price: a free course, no product.
   */
  'learning.course.published': {
    courseId: string;
    instructorId: string;
    slug: string;
    title: string;
    subtitle: string;
    productId: string | null;
    priceAmount: number | null;
    currency: string | null;
    /** First publication, not a later change: followers hear about it once. */
    firstTime: boolean;
  };
  /** Withdrawn: marketplace takes its product off sale; enrolled students keep the course. */
  'learning.course.archived': { courseId: string; instructorId: string; productId: string | null };
  /**
   * An instructor attached drive file `fileId` to a video lecture: drive answers with
   * `drive.video_source.checked` whether it is theirs to use, and where its bytes are.
   */
  'learning.video.source_requested': { jobId: string; lectureId: string; fileId: string; ownerId: string };
  /**
   * Learning's own work queue: transcode `storageKey` into the lecture's HLS ladder. Consumed by learning's
   * transcoder (durable, retried, dead-lettered like any event); other subgraphs need not listen.
   */
  'learning.video.transcode_requested': {
    jobId: string;
    lectureId: string;
    courseId: string;
    storageKey: string;
    fileName: string;
  };
  /** A lecture's video moved (QUEUED, PROCESSING with progress, READY, FAILED): live, for its instructor. */
  'learning.lecture_video.updated': {
    id: string;
    lectureId: string;
    courseId: string;
    recipientIds: string[];
  };
  /** A student joined a course, free or by a paid order. */
  'learning.enrollment.created': {
    enrollmentId: string;
    courseId: string;
    userId: string;
    instructorId: string;
    courseTitle: string;
    source: 'FREE' | 'PURCHASE';
    /** The marketplace order that paid for it; null for a free course. Absent in events from before analytics. */
    orderId?: string | null;
  };
  /** A paid enrollment closed: its order was cancelled or refunded in full. */
  'learning.enrollment.ended': {
    enrollmentId: string;
    courseId: string;
    userId: string;
    instructorId: string;
    orderId: string | null;
  };
  /**
   * A student's watched seconds of a lecture grew to `watchedSeconds`, the lecture's running total after the write
   * (it never shrinks), so the latest total tells how much was watched by then, whatever the order of delivery.
   */
  'learning.progress.recorded': {
    userId: string;
    lectureId: string;
    courseId: string;
    instructorId: string;
    watchedSeconds: number;
  };
  /**
   * A student finished every lecture of a course. Learning draws the certificate next (it is not
   * ready yet: `learning.certificate.issued` follows); notifications tells the student.
   */
  'learning.course.completed': {
    enrollmentId: string;
    certificateId: string;
    courseId: string;
    userId: string;
    instructorId: string;
    courseTitle: string;
  };
  /**
   * A completion certificate's PDF is in object storage at `storageKey`: drive registers it as the
   * student's file `fileId` (private to them), so it shows among their files and counts as theirs.
   */
  'learning.certificate.issued': {
    certificateId: string;
    userId: string;
    courseId: string;
    courseTitle: string;
    fileId: string;
    fileName: string;
    storageKey: string;
    size: number;
    checksum: string;
  };
  /** A lecture's video ended FAILED (after its retries): notifications tells the instructor `reason`. */
  'learning.lecture_video.failed': {
    lectureId: string;
    courseId: string;
    instructorId: string;
    lectureTitle: string;
    courseTitle: string;
    reason: string;
  };
};
