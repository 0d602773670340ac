/** Who may see a payment. Pure rules, one place. */

export interface PaymentParties {
  buyerId: string;
  sellerId: string;
}

/** The order's buyer and seller, and admins; to anyone else the payment does not exist. */
export function canSee(payment: PaymentParties, viewerId: string | null, admin = false): boolean {
  return admin || (viewerId !== null && (payment.buyerId === viewerId || payment.sellerId === viewerId));
}

/** Only the payer handles the secrets that complete a payment (the client secret, the 3-D Secure link). */
export const isPayer = (payment: PaymentParties, viewerId: string | null) =>
  viewerId !== null && payment.buyerId === viewerId;

/** A charge the provider can take: a positive whole number of minor units in a lowercase ISO currency. */
export function checkCharge(amount: number, currency: string): string | null {
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > 2 ** 31 - 1)
    return 'The amount must be a positive whole number of minor units.';
  if (!/^[a-z]{3}$/.test(currency)) return 'The currency must be a lowercase ISO 4217 code, such as "usd".';
  return null;
}
