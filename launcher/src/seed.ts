import { randomBytes } from 'node:crypto';
import { RequestContext } from '@mikro-orm/core';
import type { IdentityServices } from '@peerlink/identity/context';
import { loadConfigOrExit } from '@peerlink/platform/config';
import { createLogger } from '@peerlink/platform/logger';
import { startStack } from './stack.js';

/**
 * `npm run seed`: demo accounts, created through the public API like any client would. The first,
 * `demo_admin`, is made an administrator; this is also the documented way to bootstrap the first admin.
 * Run it while the supergraph is stopped (embedded data belongs to one process at a time).
 * Accounts that already exist are left as they are.
 */
const config = loadConfigOrExit({ ...process.env, PORT: '0' });
const logger = createLogger({ level: 'warn', service: 'seed' });
const password = process.env.SEED_PASSWORD ?? randomBytes(9).toString('base64url');
const people = [
  { username: 'demo_admin', displayName: 'PeerLink Admin' },
  { username: 'alice', displayName: 'Alice Example' },
  { username: 'bob', displayName: 'Bob Example' },
];

const stack = await startStack(config, logger);
try {
  for (const person of people) {
    const response = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation Seed($input: RegisterInput!) { register(input: $input) { user { id } } }',
        variables: { input: { ...person, email: `${person.username}@example.com`, password } },
      }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    const code = body.errors?.[0]?.extensions?.code;
    if (code && code !== 'CONFLICT') throw new Error(`Could not create ${person.username}: ${JSON.stringify(body.errors)}`);
    console.log(code ? `${person.username}: already exists` : `${person.username}: created`);
  }
  const identity = stack.subgraphs.find((s) => s.name === 'identity')!;
  await RequestContext.create(identity.orm.em, () => (identity.services as IdentityServices).accounts.bootstrapAdmin('demo_admin'));
  console.log(`demo_admin has the ADMIN role. Password for new accounts: ${password}`);
} finally {
  await stack.stop();
}
