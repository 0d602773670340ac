import { createHash } from 'node:crypto';
import { conflict } from './errors.js';

/**
 * An idempotency key stands for one request. The parameters it was first used with are kept as a
 * fingerprint beside it, so the same key sent with different parameters is refused (as Stripe
 * answers `idempotency_error`) instead of returning the first request's result as if it were the
 * second's.
 */
export function requestFingerprint(parameters: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(parameters)).digest('base64url');
}

/**
 * Throws CONFLICT when a key's first request had other parameters. A row stored before
 * fingerprints were kept has none, and is taken as the same request.
 */
export function requireSameRequest(stored: string | null | undefined, given: string): void {
  if (stored && stored !== given) {
    throw conflict(
      'This idempotency key was already used for a different request; use a new key for a new request.',
      'idempotencyKey',
    );
  }
}

/** JSON with object keys in order and `undefined` as `null`, so equal parameters always hash alike. */
function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
