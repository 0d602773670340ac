/**
 * Receipts are read-up-to pointers, as in most messengers: a member has received (or read) a
 * message once their pointer reaches its id (ids are time-ordered). Pure rules, unit-tested.
 */

export interface Pointers {
  userId: string;
  lastDeliveredMessageId: string | null;
  lastDeliveredAt: Date | null;
  lastReadMessageId: string | null;
  lastReadAt: Date | null;
}

export interface Receipt {
  userId: string;
  /** When their pointer passed the message; the pointer's latest move if it passed several at once. */
  deliveredAt: Date | null;
  readAt: Date | null;
}

export type Status = 'SENT' | 'DELIVERED' | 'READ';

const reached = (pointer: string | null, messageId: string) => pointer !== null && pointer >= messageId;

/** Every member but the sender, and how far the message has got with each. */
export function receiptsFor(message: { id: string; senderId: string }, members: Pointers[]): Receipt[] {
  return members
    .filter((m) => m.userId !== message.senderId)
    .map((m) => ({
      userId: m.userId,
      deliveredAt: reached(m.lastDeliveredMessageId, message.id) ? m.lastDeliveredAt : null,
      readAt: reached(m.lastReadMessageId, message.id) ? m.lastReadAt : null,
    }));
}

/** The sender's summary: READ once everyone read it, DELIVERED once everyone has it, else SENT. */
export function statusOf(receipts: Receipt[]): Status {
  if (receipts.length && receipts.every((r) => r.readAt)) return 'READ';
  if (receipts.length && receipts.every((r) => r.deliveredAt)) return 'DELIVERED';
  return 'SENT';
}
