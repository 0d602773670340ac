import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairPem } from '@peerlink/platform/auth/keys';
import { ConfigError, loadConfig } from '@peerlink/platform/config';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('needs nothing: every service falls back to its embedded adapter', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({ PORT: 4000, SERVICE: 'all', INTROSPECTION: true, publicUrl: 'http://localhost:4000' });
    expect(config.DATABASE_URL ?? config.NATS_URL ?? config.REDIS_URL ?? config.SMTP_URL).toBeUndefined();
  });

  it('generates signing keys once and keeps them in DATA_DIR, so a restart keeps sessions valid', () => {
    const first = loadConfig({ DATA_DIR: dataDir });
    expect(first.accessTokenKeys?.privateKey?.asymmetricKeyType).toBe('ed25519');
    expect(first.gatewayKeys?.privateKey).toBeDefined();
    const pem = (config: typeof first) => config.accessTokenKeys!.publicKey.export({ type: 'spki', format: 'pem' });
    expect(pem(loadConfig({ DATA_DIR: dataDir }))).toEqual(pem(first));
    expect(JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')).accessToken.publicKey).toEqual(pem(first));
  });

  it('takes an empty variable as unset, and checks the Stripe settings it is given', () => {
    expect(loadConfig({ DATA_DIR: dataDir, STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }).STRIPE_SECRET_KEY).toBeUndefined();
    expect(() => loadConfig({ DATA_DIR: dataDir, STRIPE_SECRET_KEY: 'pk_test_publishable' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ DATA_DIR: dataDir, STRIPE_WEBHOOK_SECRET: 'secret' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
  });

  it('takes the platform fee as a percentage to the basis point, 10 unless set', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).PLATFORM_FEE_PERCENT).toBe(10);
    expect(['0', '2.9', '12.34', '100'].map((v) => loadConfig({ DATA_DIR: dataDir, PLATFORM_FEE_PERCENT: v }).PLATFORM_FEE_PERCENT)).toEqual([0, 2.9, 12.34, 100]);
    for (const bad of ['-1', '100.01', '2.925', 'ten']) expect(() => loadConfig({ DATA_DIR: dataDir, PLATFORM_FEE_PERCENT: bad })).toThrow(/PLATFORM_FEE_PERCENT/);
  });

  it('keeps deleted files in the trash for 1 to 3650 whole days, 30 unless set', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).DRIVE_TRASH_DAYS).toBe(30);
    expect(loadConfig({ DATA_DIR: dataDir, DRIVE_TRASH_DAYS: '7' }).DRIVE_TRASH_DAYS).toBe(7);
    for (const bad of ['0', '-1', '1.5', '3651', 'forever']) expect(() => loadConfig({ DATA_DIR: dataDir, DRIVE_TRASH_DAYS: bad })).toThrow(/DRIVE_TRASH_DAYS/);
  });

  it('remembers processed events 7 days unless set, and never for less than JetStream may deliver them again', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).EVENT_INBOX_RETENTION_DAYS).toBe(7);
    expect(loadConfig({ DATA_DIR: dataDir, EVENT_INBOX_RETENTION_DAYS: '30' }).EVENT_INBOX_RETENTION_DAYS).toBe(30);
    for (const bad of ['6.9', '1', '0', '3651', 'a week']) {
      expect(() => loadConfig({ DATA_DIR: dataDir, EVENT_INBOX_RETENTION_DAYS: bad })).toThrow(/EVENT_INBOX_RETENTION_DAYS/);
    }
  });

  it('refuses outside-call settings that contradict each other: a deadline as long as the redelivery wait, a Stripe timeout whose retry cannot fit', () => {
    expect(loadConfig({ DATA_DIR: dataDir })).toMatchObject({ EVENT_ACK_WAIT_MS: 60_000, OUTSIDE_CALL_DEADLINE_MS: 20_000, STRIPE_TIMEOUT_MS: 8_000 });
    expect(() => loadConfig({ DATA_DIR: dataDir, EVENT_ACK_WAIT_MS: '20000' })).toThrow(/OUTSIDE_CALL_DEADLINE_MS: must be shorter than EVENT_ACK_WAIT_MS/);
    expect(() => loadConfig({ DATA_DIR: dataDir, STRIPE_TIMEOUT_MS: '10001' })).toThrow(/STRIPE_TIMEOUT_MS/);
    expect(loadConfig({ DATA_DIR: dataDir, EVENT_ACK_WAIT_MS: '1500', OUTSIDE_CALL_DEADLINE_MS: '1000', STRIPE_TIMEOUT_MS: '400' }).OUTSIDE_CALL_DEADLINE_MS).toBe(1000);
  });

  it('leases an announcement for 30 s and sweeps every 2 s unless set, and refuses a sweep as slow as the lease', () => {
    expect(loadConfig({ DATA_DIR: dataDir })).toMatchObject({ ANNOUNCEMENT_LEASE_MS: 30_000, ANNOUNCEMENT_SWEEP_MS: 2_000, ANNOUNCEMENT_MAX_ATTEMPTS: 5 });
    expect(() => loadConfig({ DATA_DIR: dataDir, ANNOUNCEMENT_LEASE_MS: '1000', ANNOUNCEMENT_SWEEP_MS: '1000' })).toThrow(/ANNOUNCEMENT_SWEEP_MS/);
    expect(() => loadConfig({ DATA_DIR: dataDir, ANNOUNCEMENT_MAX_ATTEMPTS: '0' })).toThrow(/ANNOUNCEMENT_MAX_ATTEMPTS/);
    expect(() => loadConfig({ DATA_DIR: dataDir, ANNOUNCEMENT_LEASE_MS: 'soon' })).toThrow(/ANNOUNCEMENT_LEASE_MS/);
  });

  it('bounds subscription resumes to 5 minutes and 1,000 events unless set, within the stream’s 7 days', () => {
    const defaults = loadConfig({ DATA_DIR: dataDir });
    expect([defaults.SUBSCRIPTION_RESUME_WINDOW_MS, defaults.SUBSCRIPTION_RESUME_MAX_EVENTS]).toEqual([300_000, 1000]);
    expect(loadConfig({ DATA_DIR: dataDir, SUBSCRIPTION_RESUME_WINDOW_MS: '60000' }).SUBSCRIPTION_RESUME_WINDOW_MS).toBe(60_000);
    for (const bad of ['0', '1.5', String(8 * 24 * 3600_000), 'soon']) {
      expect(() => loadConfig({ DATA_DIR: dataDir, SUBSCRIPTION_RESUME_WINDOW_MS: bad })).toThrow(/SUBSCRIPTION_RESUME_WINDOW_MS/);
    }
    for (const bad of ['0', '-5', '100001']) expect(() => loadConfig({ DATA_DIR: dataDir, SUBSCRIPTION_RESUME_MAX_EVENTS: bad })).toThrow(/SUBSCRIPTION_RESUME_MAX_EVENTS/);
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dataDir, PORT: 'eighty', DATABASE_URL: 'mysql://db', NATS_URL: 'not a url', EVENT_NAMESPACE: 'Bad-Name', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'NATS_URL', 'EVENT_NAMESPACE', 'LOG_LEVEL']) expect(problems).toContain(name);
  });

  it('gives each process of a distributed setup only the keys it needs, and requires those', () => {
    const access = generateKeyPairPem();
    const gateway = generateKeyPairPem();
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'gateway' })).toThrow(/ACCESS_TOKEN_PUBLIC_KEY[\s\S]*GATEWAY_PRIVATE_KEY/);
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'notifications' })).toThrow(/GATEWAY_PUBLIC_KEY/);
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'notifications', GATEWAY_PUBLIC_KEY: 'not a key' })).toThrow(/GATEWAY_.*not a usable Ed25519 key/);

    const subgraph = loadConfig({ DATA_DIR: dataDir, SERVICE: 'notifications', GATEWAY_PUBLIC_KEY: Buffer.from(gateway.publicKey).toString('base64') });
    expect(subgraph.gatewayKeys?.privateKey).toBeUndefined();
    expect(subgraph.accessTokenKeys).toBeUndefined();

    const gatewayProcess = loadConfig({ DATA_DIR: dataDir, SERVICE: 'gateway', ACCESS_TOKEN_PUBLIC_KEY: access.publicKey, GATEWAY_PRIVATE_KEY: gateway.privateKey });
    expect(gatewayProcess.accessTokenKeys?.privateKey).toBeUndefined();
    // The public half is derived from the private key.
    expect(gatewayProcess.gatewayKeys?.publicKey.export({ type: 'spki', format: 'pem' })).toEqual(gateway.publicKey);
  });

  it('parses subgraph URL overrides and rejects malformed ones', () => {
    expect(loadConfig({ DATA_DIR: dataDir, SUBGRAPH_URLS: 'identity=http://id:4001/graphql, notifications=http://n:4002/graphql' }).subgraphUrls).toEqual({
      identity: 'http://id:4001/graphql',
      notifications: 'http://n:4002/graphql',
    });
    expect(() => loadConfig({ DATA_DIR: dataDir, SUBGRAPH_URLS: 'identity' })).toThrow(/SUBGRAPH_URLS/);
  });
});
