import { describe, expect, it } from 'vitest';
import {
  confirmRoles,
  parseLedgerEntry,
  privilegedRolesConfirmed,
  RoleLedger,
} from '@peerlink/platform/auth/role-ledger';
import { holdsRole, requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { MemoryCache } from '@peerlink/platform/cache/memory-cache';
import type { Cache } from '@peerlink/platform/cache/cache';
import { InfrastructureUnavailable } from '@peerlink/platform/errors';

const token: Viewer = { userId: 'u1', sessionId: 's1', roles: ['USER', 'SELLER', 'ADMIN'] };
const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'none';
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe('confirmRoles', () => {
  it("takes the ledger's roles over the token's, both ways", () => {
    expect(confirmRoles(token, ['USER', 'SELLER'])).toEqual({
      userId: 'u1',
      sessionId: 's1',
      roles: ['USER', 'SELLER'],
      rolesFrom: 'ACCOUNT',
      unconfirmedRoles: [],
    });
    expect(confirmRoles({ ...token, roles: ['USER'] }, ['USER', 'MODERATOR']).roles).toEqual(['USER', 'MODERATOR']);
  });

  it('without an entry keeps the ordinary roles and sets the privileged ones aside as unconfirmed', () => {
    expect(confirmRoles(token, null)).toEqual({
      userId: 'u1',
      sessionId: 's1',
      roles: ['USER', 'SELLER'],
      rolesFrom: 'ACCESS_TOKEN',
      unconfirmedRoles: ['ADMIN'],
    });
  });
});

describe('parseLedgerEntry', () => {
  it('reads what record writes, and treats anything else as no entry', () => {
    expect(parseLedgerEntry('["USER","ADMIN"]')).toEqual(['USER', 'ADMIN']);
    expect(parseLedgerEntry('[]')).toEqual([]);
    for (const text of [null, '', 'ADMIN', '{"roles":["ADMIN"]}', '["USER","ROOT"]', '[1]'])
      expect(parseLedgerEntry(text)).toBeNull();
  });
});

describe('privilegedRolesConfirmed', () => {
  it('honours a confirmed viewer as it is and strips privileged roles from any other', () => {
    const confirmed = confirmRoles(token, ['USER', 'ADMIN']);
    expect(privilegedRolesConfirmed(confirmed)).toBe(confirmed);
    expect(privilegedRolesConfirmed(token)).toMatchObject({
      roles: ['USER', 'SELLER'],
      unconfirmedRoles: ['ADMIN'],
      rolesFrom: 'ACCESS_TOKEN',
    });
    expect(
      privilegedRolesConfirmed({ ...token, rolesFrom: 'ACCESS_TOKEN', unconfirmedRoles: ['MODERATOR'] })
        .unconfirmedRoles,
    ).toEqual(['MODERATOR', 'ADMIN']);
  });
});

describe('holdsRole and requireRole', () => {
  it('grant a held role, refuse a missing one, and say SERVICE_UNAVAILABLE for an unconfirmed one', () => {
    const current = confirmRoles(token, ['USER', 'MODERATOR']);
    expect(holdsRole(current, ['MODERATOR', 'ADMIN'])).toBe(true);
    expect(holdsRole(current, 'ADMIN')).toBe(false);
    expect(codeOf(() => requireRole(current, 'ADMIN', 'Admins only.'))).toBe('FORBIDDEN');
    expect(codeOf(() => requireRole(null, 'ADMIN', 'Admins only.'))).toBe('UNAUTHENTICATED');

    const unread = confirmRoles(token, null);
    expect(holdsRole(unread, 'SELLER')).toBe(true);
    expect(codeOf(() => holdsRole(unread, 'ADMIN'))).toBe('SERVICE_UNAVAILABLE');
    expect(codeOf(() => requireRole(unread, 'ADMIN', 'Admins only.'))).toBe('SERVICE_UNAVAILABLE');
    // A role the token never claimed is simply not held.
    expect(codeOf(() => requireRole(unread, 'MODERATOR', 'Moderators only.'))).toBe('FORBIDDEN');
  });
});

describe('RoleLedger', () => {
  it('confirms from what was recorded, and withholds privileged roles when the cache is away', async () => {
    const cache = new MemoryCache();
    const ledger = new RoleLedger(cache);
    expect((await ledger.confirm(token)).unconfirmedRoles).toEqual(['ADMIN']);
    await ledger.record('u1', ['USER']);
    expect(await cache.get('roles:u1')).toBe('["USER"]');
    expect(await ledger.confirm(token)).toMatchObject({ roles: ['USER'], rolesFrom: 'ACCOUNT' });
    await cache.close();

    const away = {
      get: async () => {
        throw new InfrastructureUnavailable('away');
      },
    } as unknown as Cache;
    expect(await new RoleLedger(away).confirm(token)).toMatchObject({
      roles: ['USER', 'SELLER'],
      unconfirmedRoles: ['ADMIN'],
    });
  });
});
