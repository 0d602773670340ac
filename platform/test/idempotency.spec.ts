import { describe, expect, it } from 'vitest';
import { requestFingerprint, requireSameRequest } from '@peerlink/platform/idempotency';

describe('request fingerprints', () => {
  it('are equal for equal parameters, whatever the order of their keys or undefined for null', () => {
    expect(requestFingerprint({ a: 1, b: { c: 'x', d: [1, 2] } })).toBe(
      requestFingerprint({ b: { d: [1, 2], c: 'x' }, a: 1 }),
    );
    expect(requestFingerprint({ a: undefined })).toBe(requestFingerprint({ a: null }));
  });

  it('differ when any value, nested or listed, differs', () => {
    const base = requestFingerprint({ amount: 100, address: { city: 'Berlin' }, lines: [1, 2] });
    expect(requestFingerprint({ amount: 700, address: { city: 'Berlin' }, lines: [1, 2] })).not.toBe(base);
    expect(requestFingerprint({ amount: 100, address: { city: 'Paris' }, lines: [1, 2] })).not.toBe(base);
    expect(requestFingerprint({ amount: 100, address: { city: 'Berlin' }, lines: [2, 1] })).not.toBe(base);
    expect(requestFingerprint({ amount: '100', address: { city: 'Berlin' }, lines: [1, 2] })).not.toBe(base);
  });

  it('refuse a key reused for another request with CONFLICT, and accept rows stored before fingerprints', () => {
    const first = requestFingerprint({ amount: 100 });
    expect(() => requireSameRequest(first, first)).not.toThrow();
    expect(() => requireSameRequest(null, first)).not.toThrow();
    try {
      requireSameRequest(first, requestFingerprint({ amount: 700 }));
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: { code: string; field: string } }).extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'idempotencyKey',
      });
    }
  });
});
