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
  /** A student joined a course, free or by a paid order. */
  'learning.enrollment.created': {
    enrollmentId: string;
    courseId: string;
    userId: string;
    instructorId: string;
    courseTitle: string;
    source: 'FREE' | 'PURCHASE';
  };
};
