import type { LearningEvents } from '@peerlink/contracts/learning';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { lockKey, rows, saveIfNewer, table } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { ProductKind, ProductStatus } from './product.entity.js';

/**
 * Paid courses, listed as COURSE products owned by their instructor under the id learning chose.
 * Learning's events may arrive late or out of order: a listing only moves on to a later event's
 * facts, and a withdrawn one (archiving a course is final) stays withdrawn whatever arrives after.
 * The instructor needs no SELLER role: the sale is paid out like any other once they add a payout account.
 */
export function learningEventHandlers(): EventHandlers<LearningEvents, MarketplaceEvents> {
  return {
    'learning.course.published': {
      when: ({ productId, priceAmount, currency }) => !!productId && priceAmount !== null && !!currency,
      handle: async (course, { em, event }) => {
        const productId = course.productId!;
        await lockKey(em, `course-product:${productId}`);
        const withdrawn = await rows(
          em,
          `select 1 from ${table(em, 'withdrawn_course_products')} where product_id = ?`,
          [productId],
        );
        if (withdrawn.length) return;
        const now = new Date();
        await saveIfNewer(em, 'products', {
          key: { id: productId },
          values: {
            title: course.title,
            description: course.subtitle,
            price_amount: course.priceAmount,
            currency: course.currency,
            status: ProductStatus.ACTIVE,
            updated_at: now,
          },
          insertOnly: {
            seller_id: course.instructorId,
            kind: ProductKind.COURSE,
            course_id: course.courseId,
            created_at: now,
          },
          eventId: event.id,
        });
      },
    },
    'learning.course.archived': {
      when: ({ productId }) => !!productId,
      handle: async ({ productId }, { em, event }) => {
        await lockKey(em, `course-product:${productId}`);
        await em.execute(
          `insert into ${table(em, 'withdrawn_course_products')} (product_id) values (?) on conflict do nothing`,
          [productId],
        );
        await em.execute(
          `update ${table(em, 'products')} set status = ?, updated_at = now(), last_event_id = ? where id = ?`,
          [ProductStatus.ARCHIVED, event.id, productId],
        );
      },
    },
  };
}
