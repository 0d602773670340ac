import { describe, expect, it } from 'vitest';
import { factsOf } from '#src/facts';
import { keptOf } from '#src/projection';

const at = new Date('2026-12-06T10:00:00Z');
const event = (name: string, payload: unknown, id = '01a20000-0000-7000-8000-000000000001') => ({
  id,
  name,
  occurredAt: at,
  payload,
});
const seller = '01a20000-0000-7000-8000-0000000000a1';
const buyer = '01a20000-0000-7000-8000-0000000000b1';

describe('factsOf', () => {
  it('keys money by what it is, so the same payment told by two events is one fact', () => {
    const paid = { paymentId: 'p1', orderId: 'o1', buyerId: buyer, sellerId: seller, amount: 1999, currency: 'USD' };
    const once = factsOf(event('payments.payment.succeeded', paid));
    const again = factsOf(event('payments.payment.succeeded', paid, '01a20000-0000-7000-8000-000000000002'));
    expect(once).toEqual([
      {
        key: 'payment:p1',
        kind: 'PAYMENT',
        subjectId: seller,
        actorId: buyer,
        amount: 1999,
        currency: 'usd',
        occurredAt: at,
        eventId: '01a20000-0000-7000-8000-000000000001',
      },
    ]);
    expect(again[0]!.key).toBe(once[0]!.key);
  });

  it('tells each reversal of a payout apart by the total reversed so far', () => {
    const reversal = (amount: number, reversedTotal: number) =>
      factsOf(
        event('payments.payout.reversed', {
          payoutId: 'po1',
          orderId: 'o1',
          sellerId: seller,
          amount,
          reversedTotal,
          currency: 'eur',
        }),
      )[0]!;
    expect(reversal(300, 300).key).not.toBe(reversal(200, 500).key);
    expect(reversal(300, 300).key).toBe(reversal(300, 300).key);
  });

  it('counts activity by its actor and nothing for events it does not read', () => {
    expect(factsOf(event('social.post.created', { postId: 'x', actorId: buyer }))[0]).toMatchObject({
      kind: 'POST',
      actorId: buyer,
      amount: null,
    });
    expect(factsOf(event('chat.event', { id: 'x', conversationId: 'c', recipientIds: [] }))).toEqual([]);
    expect(factsOf(event('marketplace.order.refunded', { orderId: 'o1' }))).toEqual([]);
  });
});

describe('dead letters', () => {
  it('count each time the bus gave an event up, by consumer, event and attempts, never the error', () => {
    const letter = { consumer: 'chat', eventId: 'e1', eventName: 'x.y.z', attempts: 5, failedAt: at.toISOString() };
    const [fact] = factsOf(event('platform.event.dead_lettered', letter));
    expect(fact).toMatchObject({ kind: 'DEAD_LETTER', actorId: null, subjectId: null });
    expect(factsOf(event('platform.event.dead_lettered', letter, '01a20000-0000-7000-8000-000000000009'))[0]!.key).toBe(
      fact!.key,
    );
    expect(keptOf('platform.event.dead_lettered', { ...letter, error: 'quoted personal data' })).not.toHaveProperty(
      'error',
    );
  });
});

describe('keptOf', () => {
  it('keeps only what the projection reads: no excerpts, e-mails or client addresses', () => {
    expect(
      keptOf('chat.message.sent', {
        messageId: 'm',
        conversationId: 'c',
        senderId: buyer,
        recipientIds: [seller],
        excerpt: 'a private word',
        attachmentIds: [],
      }),
    ).toEqual({ messageId: 'm', senderId: buyer });
    expect(
      keptOf('identity.user.registered', { userId: buyer, email: 'a@b.c', username: 'a', displayName: 'A' }),
    ).toEqual({
      userId: buyer,
    });
    const signedIn = { userId: buyer, sessionId: 's', newDevice: true, ip: '10.0.0.1', userAgent: 'x' };
    const kept = keptOf('identity.user.signed_in', signedIn);
    expect(factsOf(event('identity.user.signed_in', kept))).toEqual(
      factsOf(event('identity.user.signed_in', signedIn)),
    );
  });
});
