import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateKeyPairPem } from '@peerlink/platform/auth/keys';

/**
 * `npm run keys [-- file]`: writes fresh Ed25519 key pairs for a distributed setup to `.env` at the
 * repository's root (where docker compose reads it), or to `file`, as environment variables (base64
 * of the PEM, so each fits on one line). It writes the file itself, because `npm run keys > .env`
 * would also capture npm's and turbo's banners, and it never overwrites one: keys replaced under a
 * running system sign everyone out. Give each process only what it needs: identity
 * ACCESS_TOKEN_PRIVATE_KEY, the gateway ACCESS_TOKEN_PUBLIC_KEY and GATEWAY_PRIVATE_KEY, every
 * subgraph GATEWAY_PUBLIC_KEY, the assistant ASSISTANT_PRIVATE_KEY (the gateway its public half), drive and learning
 * FILE_URL_SECRET (learning signs links to the segments drive serves from the shared store).
 */
const file = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..', '.env'));
const line = (name: string, pem: string) => `${name}=${Buffer.from(pem).toString('base64')}`;
const accessToken = generateKeyPairPem();
const gateway = generateKeyPairPem();
const assistant = generateKeyPairPem();
const contents = [
  '# Signing keys written by `npm run keys`; keep this file secret.',
  line('ACCESS_TOKEN_PRIVATE_KEY', accessToken.privateKey),
  line('ACCESS_TOKEN_PUBLIC_KEY', accessToken.publicKey),
  line('GATEWAY_PRIVATE_KEY', gateway.privateKey),
  line('GATEWAY_PUBLIC_KEY', gateway.publicKey),
  line('ASSISTANT_PRIVATE_KEY', assistant.privateKey),
  line('ASSISTANT_PUBLIC_KEY', assistant.publicKey),
  `FILE_URL_SECRET=${randomBytes(32).toString('hex')}`,
  '',
].join('\n');
try {
  writeFileSync(file, contents, { flag: 'wx', mode: 0o600 });
  console.log(`Wrote signing keys to ${file}`);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  // `npm run keys > .env`, the old instruction, makes the file before this runs: say so.
  console.error(
    `${file} already exists; keys in use were left as they are. Delete it first for new ones, and run npm ` +
      `run keys without redirecting its output.`,
  );
  process.exitCode = 1;
}
