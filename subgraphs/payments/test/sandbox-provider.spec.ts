import { describe, expect, it } from 'vitest';
import type { PaymentRequest } from '#src/provider';
import { SandboxPayments } from '#src/sandbox/sandbox-provider';

let keys = 0;
const charge = (paymentMethodId: string, overrides: Partial<PaymentRequest> = {}): PaymentRequest => ({
  amount: 2500,
  currency: 'usd',
  paymentMethodId,
  idempotencyKey: `test-${++keys}`,
  metadata: { orderId: 'order-1' },
  ...overrides,
});

describe('SandboxPayments', () => {
  it('charges the test cards that succeed, by payment method id or card number', async () => {
    const sandbox = new SandboxPayments();
    for (const method of ['pm_card_visa', '4242424242424242', 'pm_card_mastercard', 'pm_card_amex']) {
      const payment = await sandbox.confirmPayment(charge(method));
      expect(payment).toEqual({
        status: 'SUCCEEDED',
        providerPaymentId: expect.stringMatching(/^pi_/),
        clientSecret: expect.any(String),
      });
      expect(payment.clientSecret.startsWith(`${payment.providerPaymentId}_secret_`)).toBe(true);
    }
  });

  it('declines the declining test cards, as Stripe words it', async () => {
    const sandbox = new SandboxPayments();
    for (const method of ['pm_card_chargeDeclined', '4000000000000002', 'pm_card_visa_chargeDeclined']) {
      expect(await sandbox.confirmPayment(charge(method))).toMatchObject({
        status: 'FAILED',
        failureReason: 'Your card was declined.',
      });
    }
  });

  it('asks for 3-D Secure on the authentication test cards, with a link per payment', async () => {
    const sandbox = new SandboxPayments('https://sandbox.test/authenticate');
    for (const method of ['pm_card_threeDSecure2Required', '4000000000003220']) {
      const payment = await sandbox.confirmPayment(charge(method));
      expect(payment).toMatchObject({
        status: 'REQUIRES_ACTION',
        actionUrl: `https://sandbox.test/authenticate/${payment.providerPaymentId}`,
      });
    }
  });

  it('knows no other payment methods', async () => {
    const sandbox = new SandboxPayments();
    for (const method of ['pm_123', '4111111111111112', '', 'constructor']) {
      expect(await sandbox.confirmPayment(charge(method))).toMatchObject({
        status: 'FAILED',
        failureReason: 'No such payment method',
      });
    }
  });

  it('answers a repeated idempotency key with the first payment, whatever the outcome', async () => {
    const sandbox = new SandboxPayments();
    for (const method of ['pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_threeDSecure2Required']) {
      const request = charge(method);
      const first = await sandbox.confirmPayment(request);
      expect(await sandbox.confirmPayment({ ...request, metadata: { ...request.metadata } })).toEqual(first);
    }
    const visa = await sandbox.confirmPayment(charge('pm_card_visa'));
    const another = await sandbox.confirmPayment(charge('pm_card_visa'));
    expect(another.providerPaymentId).not.toBe(visa.providerPaymentId);
  });

  it('refuses a repeated idempotency key with different arguments, as Stripe does', async () => {
    const sandbox = new SandboxPayments();
    const request = charge('pm_card_visa');
    await sandbox.confirmPayment(request);
    await expect(sandbox.confirmPayment({ ...request, amount: 9900 })).rejects.toThrow(/same parameters/);
    await expect(sandbox.confirmPayment({ ...request, metadata: { orderId: 'order-2' } })).rejects.toThrow(
      /same parameters/,
    );
  });
});
