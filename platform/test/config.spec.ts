import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairPem } from '@peerlink/platform/auth/keys';
import { ConfigError, loadConfig } from '@peerlink/platform/config';
import { configProblems } from '@peerlink/platform/testing/config-problems';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const NATS_URL = 'nats://nats:4222';

describe('loadConfig', () => {
  it('needs nothing: every service falls back to its embedded adapter', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({ PORT: 4000, SERVICE: 'all', embedded: true, publicUrl: 'http://localhost:4000' });
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

  it('refuses an outside-call deadline as long as the redelivery wait', () => {
    expect(loadConfig({ DATA_DIR: dataDir })).toMatchObject({
      EVENT_ACK_WAIT_MS: 60_000,
      OUTSIDE_CALL_DEADLINE_MS: 20_000,
    });
    expect(() => loadConfig({ DATA_DIR: dataDir, NATS_URL, EVENT_ACK_WAIT_MS: '20000' })).toThrow(
      /OUTSIDE_CALL_DEADLINE_MS: must be shorter than EVENT_ACK_WAIT_MS/,
    );
    expect(
      loadConfig({ DATA_DIR: dataDir, NATS_URL, EVENT_ACK_WAIT_MS: '1500', OUTSIDE_CALL_DEADLINE_MS: '1000' })
        .OUTSIDE_CALL_DEADLINE_MS,
    ).toBe(1000);
  });

  it('refuses settings of an adapter that the other settings do not select, naming each variable', () => {
    const refused = (env: Record<string, string>) => configProblems(() => loadConfig({ DATA_DIR: dataDir, ...env }));
    // NATS' own settings, without NATS (the in-process bus has neither).
    expect(refused({ EVENT_CONCURRENCY: '4', EVENT_ACK_WAIT_MS: '90000' })).toEqual([
      expect.stringMatching(/^EVENT_CONCURRENCY: set without NATS_URL/),
      expect.stringMatching(/^EVENT_ACK_WAIT_MS: set without NATS_URL/),
    ]);
    // S3's settings without a bucket (files would silently stay local), and a bucket without credentials.
    expect(
      refused({ S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' }),
    ).toEqual([
      expect.stringMatching(/^S3_ENDPOINT: set without S3_BUCKET/),
      expect.stringMatching(/^S3_ACCESS_KEY_ID: set without S3_BUCKET/),
      expect.stringMatching(/^S3_SECRET_ACCESS_KEY: set without S3_BUCKET/),
    ]);
    expect(refused({ S3_BUCKET: 'files', S3_ACCESS_KEY_ID: 'id' })).toEqual([
      expect.stringMatching(/^S3_SECRET_ACCESS_KEY: required when S3_BUCKET is set/),
    ]);
    expect(
      refused({
        S3_BUCKET: 'files',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
        FILE_URL_SECRET: 'x'.repeat(32),
      }),
    ).toEqual([expect.stringMatching(/^FILE_URL_SECRET: .* S3_BUCKET/)]);
    // SMTP with half its credentials.
    expect(refused({ SMTP_URL: 'smtp://mailer@mail.example.com:587' })).toEqual([
      expect.stringMatching(/^SMTP_URL: give both a user and a password/),
    ]);
    expect(refused({ SMTP_URL: 'smtp://:secret@mail.example.com:587' })).toEqual([expect.stringMatching(/^SMTP_URL/)]);
  });

  it('remembers processed events 7 days unless set, and never for less than JetStream may deliver them again', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).EVENT_INBOX_RETENTION_DAYS).toBe(7);
    expect(loadConfig({ DATA_DIR: dataDir, EVENT_INBOX_RETENTION_DAYS: '30' }).EVENT_INBOX_RETENTION_DAYS).toBe(30);
    for (const bad of ['6.9', '1', '0', '3651', 'a week']) {
      expect(() => loadConfig({ DATA_DIR: dataDir, EVENT_INBOX_RETENTION_DAYS: bad })).toThrow(
        /EVENT_INBOX_RETENTION_DAYS/,
      );
    }
  });

  it('accepts a deployment whose settings agree', () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://db/peerlink',
      NATS_URL,
      EVENT_CONCURRENCY: '16',
      EVENT_ACK_WAIT_MS: '90000',
      SMTP_URL: 'smtps://mailer:secret@mail.example.com:465',
      S3_BUCKET: 'files',
      S3_ENDPOINT: 'http://minio:9000',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(config).toMatchObject({ EVENT_CONCURRENCY: 16, S3_BUCKET: 'files', embedded: false });
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        DATA_DIR: dataDir,
        PORT: 'eighty',
        DATABASE_URL: 'mysql://db',
        NATS_URL: 'not a url',
        EVENT_NAMESPACE: 'Bad-Name',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'NATS_URL', 'EVENT_NAMESPACE', 'LOG_LEVEL'])
      expect(problems).toContain(name);
  });

  it('gives each process of a distributed setup only the keys it needs, and requires those', () => {
    const access = generateKeyPairPem();
    const gateway = generateKeyPairPem();
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'gateway' })).toThrow(
      /ACCESS_TOKEN_PUBLIC_KEY[\s\S]*GATEWAY_PRIVATE_KEY/,
    );
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'notifications' })).toThrow(/GATEWAY_PUBLIC_KEY/);
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'notifications', GATEWAY_PUBLIC_KEY: 'not a key' })).toThrow(
      /GATEWAY_.*not a usable Ed25519 key/,
    );

    const subgraph = loadConfig({
      DATA_DIR: dataDir,
      SERVICE: 'notifications',
      GATEWAY_PUBLIC_KEY: Buffer.from(gateway.publicKey).toString('base64'),
    });
    expect(subgraph.gatewayKeys?.privateKey).toBeUndefined();
    expect(subgraph.accessTokenKeys).toBeUndefined();

    const gatewayProcess = loadConfig({
      DATA_DIR: dataDir,
      SERVICE: 'gateway',
      ACCESS_TOKEN_PUBLIC_KEY: access.publicKey,
      GATEWAY_PRIVATE_KEY: gateway.privateKey,
    });
    expect(gatewayProcess.accessTokenKeys?.privateKey).toBeUndefined();
    // The public half is derived from the private key.
    expect(gatewayProcess.gatewayKeys?.publicKey.export({ type: 'spki', format: 'pem' })).toEqual(gateway.publicKey);
  });

  it('gives the assistant its own signing key, required where it runs, and adds one to an older DATA_DIR', () => {
    const gateway = generateKeyPairPem();
    const assistant = { SERVICE: 'assistant', GATEWAY_PUBLIC_KEY: gateway.publicKey };
    expect(() => loadConfig({ DATA_DIR: dataDir, ...assistant })).toThrow(/ASSISTANT_PRIVATE_KEY: required/);
    const own = generateKeyPairPem();
    const loaded = loadConfig({ DATA_DIR: dataDir, ...assistant, ASSISTANT_PRIVATE_KEY: own.privateKey });
    expect(loaded.assistantKeys?.publicKey.export({ type: 'spki', format: 'pem' })).toEqual(own.publicKey);

    const older = mkdtempSync(join(tmpdir(), 'peerlink-config-old-'));
    const keys = { accessToken: generateKeyPairPem(), gateway: generateKeyPairPem() };
    writeFileSync(join(older, 'keys.json'), JSON.stringify(keys));
    const upgraded = loadConfig({ DATA_DIR: older });
    expect(upgraded.assistantKeys?.privateKey?.asymmetricKeyType).toBe('ed25519');
    const stored = JSON.parse(readFileSync(join(older, 'keys.json'), 'utf8'));
    expect(stored.accessToken).toEqual(keys.accessToken);
    expect(stored.assistant.publicKey).toEqual(
      upgraded.assistantKeys!.publicKey.export({ type: 'spki', format: 'pem' }),
    );
    rmSync(older, { recursive: true, force: true });
  });
});
