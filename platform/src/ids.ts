import { randomUUID } from 'node:crypto';

/**
 * UUIDv7: time-ordered, so primary keys of new rows land at the end of their index and ids sort by
 * creation time, which keyset pagination relies on. The random part is a v4 UUID's (its variant
 * bits are v7's too): randomUUID draws from a pooled buffer, where randomBytes(16) asked the system
 * for entropy on every call (the gateway makes one per request).
 */
export function uuidv7(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

export const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** The creation time a UUIDv7 carries: rows whose time comes from their id sort the same by either. */
export function timeOfUuidv7(id: string): Date {
  return new Date(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16));
}
