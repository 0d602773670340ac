import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** s3rver ships no types; this is the part of it the tests use. */
const S3rver: new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose: boolean;
}) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
} = createRequire(import.meta.url)('s3rver');

/**
 * A real S3-compatible server for one spec file, and the environment that points drive at it. The
 * bucket is created by drive itself at start-up.
 */
export async function startS3Server() {
  const directory = await mkdtemp(join(tmpdir(), 'peerlink-e2e-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, resetOnClose: true });
  const { port } = await server.run();
  return {
    env: {
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: 'peerlink-e2e',
      // s3rver's built-in account.
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
