import { describe, expect, it } from 'vitest';
import { receiptsFor, statusOf, type Pointers } from '#src/receipts';

// Time-ordered ids, as UUIDv7s are: later messages compare greater.
const m1 = '0195f000-0000-7000-8000-000000000001';
const m2 = '0195f000-0000-7000-8000-000000000002';
const m3 = '0195f000-0000-7000-8000-000000000003';
const at = new Date('2026-11-22T10:00:00Z');
const member = (userId: string, delivered: string | null, read: string | null): Pointers => ({
  userId,
  lastDeliveredMessageId: delivered,
  lastDeliveredAt: delivered ? at : null,
  lastReadMessageId: read,
  lastReadAt: read ? at : null,
});

describe('receiptsFor', () => {
  it('leaves out the sender and marks what each pointer has reached', () => {
    const receipts = receiptsFor({ id: m2, senderId: 'ada' }, [
      member('ada', m3, m3),
      member('bob', m3, m1),
      member('cy', null, null),
    ]);
    expect(receipts).toEqual([
      { userId: 'bob', deliveredAt: at, readAt: null },
      { userId: 'cy', deliveredAt: null, readAt: null },
    ]);
  });

  it('counts a pointer on the message itself as reaching it', () => {
    expect(receiptsFor({ id: m2, senderId: 'ada' }, [member('bob', m2, m2)])).toEqual([
      { userId: 'bob', deliveredAt: at, readAt: at },
    ]);
  });
});

describe('statusOf', () => {
  it('is READ when everyone read, DELIVERED when everyone has it, SENT otherwise', () => {
    const message = { id: m2, senderId: 'ada' };
    expect(statusOf(receiptsFor(message, [member('bob', m2, m2), member('cy', m3, m3)]))).toBe('READ');
    expect(statusOf(receiptsFor(message, [member('bob', m2, m2), member('cy', m2, null)]))).toBe('DELIVERED');
    expect(statusOf(receiptsFor(message, [member('bob', m2, m2), member('cy', m1, m1)]))).toBe('SENT');
    // Alone in a group, nobody else can have it.
    expect(statusOf(receiptsFor(message, [member('ada', m3, m3)]))).toBe('SENT');
  });
});
