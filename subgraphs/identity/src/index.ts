import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { AssistantEvents } from '@peerlink/contracts/assistant';
import { RoleLedger } from '@peerlink/platform/auth/role-ledger';
import { ConfigError } from '@peerlink/platform/config';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import DataLoader from 'dataloader';
import { identityConfig, type IdentityConfig } from './config.js';
import { AccountService } from './account.service.js';
import { Activity } from './activity.entity.js';
import { ActivityResolver } from './activity.resolver.js';
import { ActivityService } from './activity.service.js';
import { assistantEventHandlers } from './assistant-events.handler.js';
import { AuthResolver } from './auth.resolver.js';
import { AuthService } from './auth.service.js';
import type { IdentityContext, IdentityLoaders, IdentityServices } from './context.js';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import { migrations } from './migrations/index.js';
import { RoleRecords } from './role-records.js';
import { KnownDevice, RefreshToken, Session } from './session.entity.js';
import { User } from './user.entity.js';
import { UserResolver } from './user.resolver.js';
import { Verification } from './verification.entity.js';
import { VerificationResolver } from './verification.resolver.js';
import { VerificationService } from './verification.service.js';

/** Accounts, sessions and verification: who people are and how they prove it. */
export const identity: SubgraphDefinition<IdentityServices, IdentityLoaders, IdentityConfig> = {
  name: 'identity',
  config: identityConfig,
  entities: [User, Session, RefreshToken, KnownDevice, Verification, Activity],
  migrations,
  resolvers: [AuthResolver, UserResolver, VerificationResolver, ActivityResolver],
  references: {
    User: (reference: { id: string }, ctx: IdentityContext) => ctx.loaders.user.load(reference.id),
  },

  async start({ bus, cache, config, logger }, orm, settings) {
    const outbox = new Outbox<IdentityEvents>(orm, bus, logger);
    const activity = new ActivityService(orm);
    const roleRecords = new RoleRecords(orm, new RoleLedger(cache), bus, logger);
    // Entries for the privileged, should the cache have lost them (an embedded restart); without one they are
    // unconfirmed, never granted.
    await roleRecords
      .refreshPrivileged()
      .catch((error) => logger.warn({ err: error }, 'role ledger not refilled at start'));
    let auth: AuthService;
    const verifications = new VerificationService(outbox, cache, activity, () => auth);
    // Identity is the one place access tokens are made, so it alone holds the private key.
    const signingKey = config.accessTokenKeys?.privateKey;
    if (!signingKey) throw new ConfigError(['ACCESS_TOKEN_PRIVATE_KEY: required by the identity subgraph']);
    auth = new AuthService(outbox, cache, settings, signingKey, activity, verifications, roleRecords);
    const accounts = new AccountService(orm, outbox, activity, auth, roleRecords);
    const stopConsuming = await consumeEvents<AssistantEvents, IdentityEvents>({
      bus,
      outbox,
      consumer: 'identity',
      handlers: assistantEventHandlers(activity),
      logger,
    });
    return {
      services: { auth, accounts, verifications, activity },
      createLoaders: () => ({ user: new DataLoader((ids: readonly string[]) => accounts.byIds(ids)) }),
      async stop() {
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};

// The package exports only this file: the launcher's seeding and the end-to-end specs bootstrap roles through these.
export type { IdentityServices } from './context.js';
export type { Role } from './user.entity.js';
