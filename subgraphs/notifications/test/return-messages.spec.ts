import { describe, expect, it } from 'vitest';
import { returnMessages } from '#src/return-events.handler';

const change = (
  status: string,
  previousStatus: string | null,
  more: Partial<Parameters<typeof returnMessages>[0]> = {},
) => ({
  returnRequestId: 'r1',
  orderId: 'o1',
  buyerId: 'buyer',
  sellerId: 'seller',
  status,
  previousStatus,
  amount: 3000,
  currency: 'usd',
  summary: '1 × Lamp',
  declineReason: null,
  resolutionNote: null,
  refundFailure: null,
  photoIds: [],
  ...more,
});
const told = (status: string, previousStatus: string | null, admins: string[] = []) =>
  returnMessages(change(status, previousStatus), admins).map((m) => m.recipientId);

describe('return messages', () => {
  it('tell the seller of a new request and the buyer of the answer', () => {
    expect(told('REQUESTED', null)).toEqual(['seller']);
    expect(told('ACCEPTED', 'REQUESTED')).toEqual(['buyer']);
    expect(told('DECLINED', 'REQUESTED')).toEqual(['buyer']);
  });

  it('tell every admin and the seller of an escalation, and both parties of the admin’s decision', () => {
    expect(told('ESCALATED', 'DECLINED', ['admin1', 'admin2'])).toEqual(['admin1', 'admin2', 'seller']);
    expect(told('ACCEPTED', 'ESCALATED')).toEqual(['buyer', 'seller']);
    expect(told('DECLINE_UPHELD', 'ESCALATED')).toEqual(['buyer', 'seller']);
  });

  it('tell both of a refund payments refused, and nobody of the refund itself (the order’s “Refund issued” does)', () => {
    const failed = returnMessages(
      change('REFUND_FAILED', 'ACCEPTED', {
        refundFailure: 'Only 0 (minor units) of the payment can still be refunded.',
      }),
      [],
    );
    expect(failed.map((m) => m.recipientId)).toEqual(['buyer', 'seller']);
    expect(failed[0]!.body).toBe(
      'Only 0 (minor units) of the payment can still be refunded. You can ask an admin to decide.',
    );
    expect(told('REFUNDED', 'ACCEPTED')).toEqual([]);
  });
});
