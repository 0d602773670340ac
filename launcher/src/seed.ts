import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RequestContext } from '@mikro-orm/core';
import type { IdentityServices } from '@peerlink/identity';
import { orExit } from '@peerlink/platform/config';
import { createLogger } from '@peerlink/platform/logger';
import { seedDemo } from './seeding/seed-demo.js';
import { loadStackConfig } from './config.js';
import { startStack } from './stack.js';

/**
 * `npm run seed`: demo accounts and content (seeding/demo-content.ts), made through the public API
 * like any client would; a re-run adds only what is missing. `demo_admin` is then made an
 * administrator: this is also the documented way to bootstrap the first admin. It runs the
 * supergraph in this process, so run it while `npm start` is stopped (embedded data belongs to one
 * process at a time); with `SEED_URL` it seeds a running gateway instead, and makes no admin.
 */
const stackConfig = orExit(() => loadStackConfig({ ...process.env, PORT: '0' }));
const password = seedPassword(stackConfig.platform.DATA_DIR);
const log = (line: string) => console.log(line);

if (process.env.SEED_URL) {
  await seedDemo({ url: process.env.SEED_URL, password, log });
  console.log(`Seeded ${process.env.SEED_URL}. Password of every demo account: ${password}`);
} else {
  const stack = await startStack(stackConfig, createLogger({ level: 'warn', service: 'seed' }));
  try {
    await seedDemo({ url: stack.gateway.url, password, log });
    const identity = stack.subgraphs.find((s) => s.name === 'identity')!;
    await RequestContext.create(identity.orm.em, () =>
      (identity.services as IdentityServices).accounts.bootstrapAdmin('demo_admin'),
    );
    console.log(`demo_admin has the ADMIN role. Password of every demo account: ${password}`);
  } finally {
    await stack.stop();
  }
}

/**
 * SEED_PASSWORD, else the one a previous run chose (kept in DATA_DIR so a re-run can sign in to the
 * accounts it made), else a new random one.
 */
function seedPassword(dataDir: string): string {
  if (process.env.SEED_PASSWORD) return process.env.SEED_PASSWORD;
  const file = join(dataDir, 'seed-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const chosen = randomBytes(9).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${chosen}\n`, { mode: 0o600 });
  return chosen;
}
