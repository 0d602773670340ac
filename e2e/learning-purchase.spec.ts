import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@peerlink/platform/ids';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddToCartDocument,
  ArchiveCourseDocument,
  ArchiveProductDocument,
  CancelOrderDocument,
  CheckoutDocument,
  CourseDocument,
  CourseListingDocument,
  CreateProductDocument,
  EnrollDocument,
  MyEnrollmentsDocument,
  OrderDocument,
  OrderRefundedDocument,
  ProductCourseDocument,
  PublishProductDocument,
  ReviewProductDocument,
  UpdateCourseDocument,
  UpdateProductDocument,
  type EnrollmentStatus,
} from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { instructor, publishedCourse } from './support/learning.js';
import { buy, orderReaches, refundOrder, seller, type Account } from './support/marketplace.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
let db: pg.Client;
beforeAll(async () => {
  t = await startTestStack();
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

/** A published course at 29.00 USD, once marketplace lists it: the course and its product as anyone sees them. */
async function paidCourse(teacher: Account, priceAmount = 2900) {
  const { course } = await publishedCourse(t, teacher, { priceAmount, currency: 'usd' });
  const listed = await waitFor('the course product', async () => {
    const seen = (await ok(t.url, CourseListingDocument, { id: course.id })).course;
    return seen.product ? { ...seen, product: seen.product } : null;
  });
  return { course, product: listed.product };
}

/**
 * Waits until `who`'s enrollment in the course has `status` and the course counts `count` students. Both at
 * once: one request reads the course and the enrollment in two statements, so the first may predate the commit
 * the second sees.
 */
const enrollmentReaches = (who: Account, courseId: string, status: EnrollmentStatus, count?: number) =>
  waitFor(`${who.username}'s enrollment to be ${status}`, async () => {
    const { course } = await ok(t.url, CourseListingDocument, { id: courseId }, who.token);
    const counted = count === undefined || course.enrollmentCount === count;
    return course.viewerEnrollment?.status === status && counted ? course : null;
  });

/** Hands `consumer` an event as if it came late, and waits until its inbox holds it. */
async function deliverLate(consumer: string, name: string, payload: Record<string, unknown>) {
  const id = uuidv7();
  await t.stack.infrastructure.bus.publish({ id, name, occurredAt: new Date().toISOString(), payload });
  await waitFor(`${consumer} to handle the late ${name}`, async () => {
    const { rowCount } = await db.query(
      `select 1 from "${consumer}".processed_event where consumer = $1 and event_id = $2`,
      [consumer, id],
    );
    return rowCount === 1;
  });
}

const refund = (owner: Account, orderId: string, amount?: number) => refundOrder(t, owner, orderId, amount);

describe('a paid course in the marketplace', () => {
  it('is listed as a COURSE product owned by its instructor, which follows the course and nobody else', async () => {
    const [teacher, other, shopkeeper] = await Promise.all([instructor(t), signUp(t, 'other'), seller(t)]);
    const { course, product } = await paidCourse(teacher);
    // The instructor sells it without the SELLER role.
    expect(product).toMatchObject({
      kind: 'COURSE',
      title: course.title,
      status: 'ACTIVE',
      stock: null,
      price: { amount: 2900, currency: 'usd' },
      seller: { id: teacher.id },
      course: { id: course.id },
    });
    expect((await ok(t.url, ProductCourseDocument, { id: product.id })).product.course).toEqual({
      id: course.id,
      title: course.title,
    });
    const { course: free } = await publishedCourse(t, teacher);
    expect((await ok(t.url, CourseListingDocument, { id: free.id })).course.product).toBeNull();

    // The course's title, subtitle and price are learning's: the listing follows them.
    await ok(
      t.url,
      UpdateCourseDocument,
      { id: course.id, input: { title: 'Rust, paid', subtitle: 'Now with async', priceAmount: 3900 } },
      teacher.token,
    );
    await waitFor('the listing to follow the course', async () => {
      const seen = (await ok(t.url, ProductCourseDocument, { id: product.id })).product;
      return seen.title === 'Rust, paid' && seen.price.amount === 3900;
    });
    const listed = (await ok(t.url, CourseListingDocument, { id: course.id })).course.product!;
    expect(listed).toMatchObject({ description: 'Now with async', price: { amount: 3900, currency: 'usd' } });

    // ...so marketplace refuses to change them on the product, naming the operation that does.
    for (const input of [{ title: 'Cheap' }, { priceAmount: 100 }, { currency: 'eur' }, { description: 'x' }]) {
      const refused = await request(t.url, UpdateProductDocument, { id: product.id, input }, { token: teacher.token });
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        field: Object.keys(input)[0],
        changeWith: 'updateCourse',
      });
    }
    expect(await codes(t.url, UpdateProductDocument, { id: product.id, input: { stock: 3 } }, teacher.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    // What is the listing's own (its images) its seller may change; nobody else anything.
    expect(
      (await ok(t.url, UpdateProductDocument, { id: product.id, input: { imageIds: [] } }, teacher.token)).updateProduct
        .title,
    ).toBe('Rust, paid');
    expect(await codes(t.url, UpdateProductDocument, { id: product.id, input: { imageIds: [] } }, other.token)).toEqual(
      ['FORBIDDEN'],
    );
    expect(await codes(t.url, UpdateProductDocument, { id: product.id, input: { imageIds: [] } })).toEqual([
      'UNAUTHENTICATED',
    ]);
    // It goes on and off sale with its course alone, and no seller lists a COURSE product by hand.
    expect(await codes(t.url, ArchiveProductDocument, { id: product.id }, teacher.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, PublishProductDocument, { id: product.id }, teacher.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, ArchiveProductDocument, { id: product.id }, other.token)).toEqual(['FORBIDDEN']);
    const handMade = await request(
      t.url,
      CreateProductDocument,
      { input: { title: 'A course', kind: 'COURSE', priceAmount: 100, currency: 'usd' } },
      { token: shopkeeper.token },
    );
    expect(handMade.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', changeWith: 'publishCourse' });

    // Archiving the course takes the product off sale for good, even should a late "published" arrive after.
    await ok(t.url, ArchiveCourseDocument, { id: course.id }, teacher.token);
    await waitFor(
      'the product to leave the shop',
      async () => (await codes(t.url, ProductCourseDocument, { id: product.id }, other.token))?.[0] === 'NOT_FOUND',
    );
    await deliverLate('marketplace', 'learning.course.published', {
      courseId: course.id,
      instructorId: teacher.id,
      slug: course.slug,
      title: 'Back on sale?',
      subtitle: '',
      productId: product.id,
      priceAmount: 100,
      currency: 'usd',
      firstTime: false,
    });
    expect((await ok(t.url, ProductCourseDocument, { id: product.id }, teacher.token)).product).toMatchObject({
      status: 'ARCHIVED',
      title: 'Rust, paid',
    });
    expect(await codes(t.url, AddToCartDocument, { productId: product.id }, other.token)).toEqual(['NOT_FOUND']);
  });

  it('enrolls its buyer once the order is PAID, and a full refund ends the enrollment', async () => {
    const [teacher, student, stranger] = await Promise.all([instructor(t), signUp(t, 'student'), signUp(t, 'x')]);
    const { course, product } = await paidCourse(teacher);
    // Bought, not joined; not by its own instructor; and once.
    expect(await codes(t.url, EnrollDocument, { courseId: course.id }, student.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, AddToCartDocument, { productId: product.id }, teacher.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, AddToCartDocument, { productId: product.id, quantity: 2 }, student.token)).toEqual([
      'BAD_USER_INPUT',
    ]);

    const { orders } = await buy(t, student, product.id);
    const orderId = orders[0]!.id;
    await orderReaches(t, student, orderId, 'PAID');
    const enrolled = await enrollmentReaches(student, course.id, 'ACTIVE', 1);
    expect(enrolled).toMatchObject({ enrollmentCount: 1, viewerEnrollment: { source: 'PURCHASE', endedAt: null } });
    expect(
      (await ok(t.url, CourseDocument, { id: course.id }, student.token)).course.sections[0]!.lectures[0]!.body,
    ).toBe('Read me first.');
    const mine = (await ok(t.url, MyEnrollmentsDocument, {}, student.token)).me.enrollments!.edges;
    expect(mine.map((e) => [e.node.course?.id, e.node.status, e.node.source])).toEqual([
      [course.id, 'ACTIVE', 'PURCHASE'],
    ]);
    // Owned, it cannot be bought a second time.
    expect(await codes(t.url, AddToCartDocument, { productId: product.id }, student.token)).toEqual(['CONFLICT']);
    // Nobody else is enrolled by it.
    expect(
      (await ok(t.url, CourseListingDocument, { id: course.id }, stranger.token)).course.viewerEnrollment,
    ).toBeNull();

    // Its buyer reviews it like any product; nobody else can.
    const { order } = await ok(t.url, OrderDocument, { id: orderId }, student.token);
    const itemId = order.items[0]!.id;
    expect(await codes(t.url, ReviewProductDocument, { orderItemId: itemId, rating: 5 }, stranger.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(
      (await ok(t.url, ReviewProductDocument, { orderItemId: itemId, rating: 5, body: 'Clear.' }, student.token))
        .reviewProduct,
    ).toMatchObject({ rating: 5, author: { id: student.id } });

    // A partial refund keeps the student in; the rest ends the enrollment, and the lectures close.
    await refund(teacher, orderId, 1000);
    await waitFor(
      'the partial refund on the order',
      async () =>
        (await ok(t.url, OrderRefundedDocument, { id: orderId }, student.token)).order.refunded.amount === 1000,
    );
    expect(
      (await ok(t.url, CourseListingDocument, { id: course.id }, student.token)).course.viewerEnrollment,
    ).toMatchObject({ status: 'ACTIVE' });
    await refund(teacher, orderId);
    await orderReaches(t, student, orderId, 'REFUNDED');
    const ended = await enrollmentReaches(student, course.id, 'ENDED', 0);
    expect(ended.viewerEnrollment!.endedAt).toBeTruthy();
    expect(
      (await ok(t.url, CourseDocument, { id: course.id }, student.token)).course.sections[0]!.lectures[0]!.body,
    ).toBeNull();

    // A "paid" for the refunded order arriving late enrolls nobody.
    await deliverLate('learning', 'marketplace.order.changed', {
      orderId,
      buyerId: student.id,
      sellerId: teacher.id,
      status: 'PAID',
      previousStatus: 'PENDING_PAYMENT',
      amount: 2900,
      currency: 'usd',
      summary: '1 × course',
      trackingNumber: null,
      digitalFileIds: [],
      purpose: 'SALE',
      ships: false,
      courseIds: [course.id],
    });
    expect(
      (await ok(t.url, CourseListingDocument, { id: course.id }, student.token)).course.viewerEnrollment,
    ).toMatchObject({ status: 'ENDED' });

    // Bought again, the course opens again.
    const again = await buy(t, student, product.id);
    await orderReaches(t, student, again.orders[0]!.id, 'PAID');
    await enrollmentReaches(student, course.id, 'ACTIVE', 1);
  });

  it('ends the enrollment when the instructor cancels the paid order', async () => {
    const [teacher, student] = await Promise.all([instructor(t), signUp(t, 'student')]);
    const { course, product } = await paidCourse(teacher, 1500);
    await ok(t.url, AddToCartDocument, { productId: product.id }, student.token);
    // A course-only order needs no shipping address.
    const { checkout } = await ok(
      t.url,
      CheckoutDocument,
      { input: { idempotencyKey: randomUUID(), paymentMethodId: 'pm_card_visa' } },
      student.token,
    );
    const orderId = checkout.orders[0]!.id;
    await orderReaches(t, student, orderId, 'PAID');
    await enrollmentReaches(student, course.id, 'ACTIVE');
    expect(await codes(t.url, CancelOrderDocument, { id: orderId }, student.token)).toEqual(['BAD_USER_INPUT']);
    await ok(t.url, CancelOrderDocument, { id: orderId }, teacher.token);
    await enrollmentReaches(student, course.id, 'ENDED', 0);
  });
});
