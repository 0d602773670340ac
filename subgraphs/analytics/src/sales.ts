import type { LearningEvents } from '@peerlink/contracts/learning';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { saveIfNewer, table, uuidArray } from '@peerlink/platform/db/sql';
import type { ReadModel } from './read-model.js';

/** What the sales read models hear: marketplace's orders and products, and learning's courses. */
export type SalesEvents = Pick<MarketplaceEvents, 'marketplace.order.changed' | 'marketplace.product.changed'> &
  Pick<LearningEvents, 'learning.course.published' | 'learning.course.archived'>;

/** An order that ends in one of these after it was paid sold nothing (a partial refund leaves it sold). */
const ENDED = ['CANCELLED', 'REFUNDED'];

const NO_EVENT = '00000000-0000-0000-0000-000000000000';

/**
 * Sales read models: what sold (order lines), and what is on sale now (products and courses).
 * Each write is keyed so that an event told twice, or out of order, leaves the same rows:
 * - a sale line per (order, product), from the order's earliest PAID event;
 * - an order ended (cancelled or refunded in full) once paid: its lines count no more;
 * - a product's or course's latest state (`saveIfNewer`); archiving a course is final;
 * - a category's path from the root, which never changes (the tree is fixed).
 */
export const sales: ReadModel<SalesEvents> = {
  kept: {
    'marketplace.order.changed': ['orderId', 'sellerId', 'status', 'currency', 'purpose', 'lines'],
    'marketplace.product.changed': ['productId', 'sellerId', 'kind', 'title', 'status', 'categoryId', 'categoryPath'],
    'learning.course.published': ['courseId', 'instructorId', 'title', 'productId'],
    'learning.course.archived': ['courseId', 'instructorId', 'productId'],
  },
  tables: ['sales_lines', 'sales_order_ends', 'sales_products', 'sales_courses', 'sales_categories'],
  fold: {
    'marketplace.order.changed': async (em, order, event) => {
      if (order.purpose !== 'SALE') return;
      if (ENDED.includes(order.status))
        await em.execute(
          `insert into ${table(em, 'sales_order_ends')} (order_id, status, occurred_at, event_id) values (?, ?, ?, ?)
         on conflict (order_id) do update set status = excluded.status, occurred_at = excluded.occurred_at,
           event_id = excluded.event_id
         where ${table(em, 'sales_order_ends')}.event_id > excluded.event_id`,
          [order.orderId, order.status, event.occurredAt, event.id],
        );
      if (order.status !== 'PAID' || !order.lines) return;
      // The earliest PAID event names the sale, whichever arrives first.
      for (const line of order.lines)
        await em.execute(
          `insert into ${table(em, 'sales_lines')} (order_id, product_id, seller_id, kind, course_id, category_id,
           quantity, unit_amount, currency, occurred_at, event_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (order_id, product_id) do update set occurred_at = excluded.occurred_at,
           event_id = excluded.event_id
         where ${table(em, 'sales_lines')}.event_id > excluded.event_id`,
          [
            order.orderId,
            line.productId,
            order.sellerId,
            line.kind,
            line.courseId,
            line.categoryId,
            line.quantity,
            line.unitAmount,
            order.currency.toLowerCase(),
            event.occurredAt,
            event.id,
          ],
        );
    },
    'marketplace.product.changed': async (em, product, event) => {
      await saveIfNewer(em, 'sales_products', {
        key: { product_id: product.productId },
        values: { title: product.title, status: product.status },
        insertOnly: { seller_id: product.sellerId, kind: product.kind },
        eventId: event.id,
      });
      if (product.categoryId && product.categoryPath.length)
        await em.execute(
          `insert into ${table(em, 'sales_categories')} (category_id, path) values (?, ?) on conflict do nothing`,
          [product.categoryId, uuidArray(product.categoryPath)],
        );
    },
    'learning.course.published': (em, course, event) =>
      saveIfNewer(em, 'sales_courses', {
        key: { course_id: course.courseId },
        values: { title: course.title, instructor_id: course.instructorId },
        insertOnly: { archived: false },
        eventId: event.id,
      }),
    // Final, whenever it arrives: the row keeps the latest publication's title, and no publication undoes it.
    'learning.course.archived': async (em, course) => {
      await em.execute(
        `insert into ${table(em, 'sales_courses')} (course_id, instructor_id, archived, last_event_id)
       values (?, ?, true, ?) on conflict (course_id) do update set archived = true`,
        [course.courseId, course.instructorId, NO_EVENT],
      );
    },
  },
};
