import type { IdentityEvents } from '@peerlink/contracts/identity';

type VerificationRequest = IdentityEvents['identity.verification.requested'];

/** The words of verification messages. Links point at the web app, which redeems the token. */
export function verificationMessage(
  request: VerificationRequest,
  publicUrl: string,
): { subject: string; text: string } {
  const expires = new Date(request.expiresAt).toUTCString();
  switch (request.purpose) {
    case 'email_verification': {
      const link = `${publicUrl}/verify-email?token=${encodeURIComponent(request.secret)}`;
      return {
        subject: 'Confirm your email address',
        text:
          `Confirm this address for your PeerLink account:\n\n${link}\n\nThe link works once, until ` +
          `${expires}.\nToken: ${request.secret}\n`,
      };
    }
    case 'password_reset': {
      const link = `${publicUrl}/reset-password?token=${encodeURIComponent(request.secret)}`;
      return {
        subject: 'Reset your PeerLink password',
        text:
          `Someone asked to reset your PeerLink password. If it was you, choose a new one ` +
          `here:\n\n${link}\n\nThe link works once, until ${expires}. If it was not you, ignore this ` +
          `message.\nToken: ${request.secret}\n`,
      };
    }
    case 'phone_verification':
      return { subject: 'PeerLink code', text: `Your PeerLink code is ${request.secret}. It expires in 10 minutes.` };
  }
}

/** Building a currency's formatter costs more than using it (about a millisecond): one per currency. */
const formats = new Map<string, { format: Intl.NumberFormat; minorUnits: number } | null>();

function formatOf(currency: string) {
  if (!formats.has(currency)) {
    // Currencies come from events, so the cache stays small; an unknown code is remembered as null.
    if (formats.size >= 500) formats.clear();
    try {
      const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
      formats.set(currency, { format, minorUnits: format.resolvedOptions().maximumFractionDigits ?? 2 });
    } catch {
      formats.set(currency, null);
    }
  }
  return formats.get(currency)!;
}

/** An amount in minor units as people read it: 6000 usd → "$60.00", 500 jpy → "¥500". */
export function formatMoney(amount: number, currency: string): string {
  const known = formatOf(currency.toUpperCase());
  return known
    ? known.format.format(amount / 10 ** known.minorUnits)
    : `${amount} ${currency.toUpperCase()} (minor units)`;
}
