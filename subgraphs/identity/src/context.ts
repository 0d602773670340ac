import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type DataLoader from 'dataloader';
import type { AccountService } from './account.service.js';
import type { ActivityService } from './activity.service.js';
import type { AuthService } from './auth.service.js';
import type { User } from './user.entity.js';
import type { VerificationService } from './verification.service.js';

export interface IdentityServices {
  auth: AuthService;
  accounts: AccountService;
  verifications: VerificationService;
  activity: ActivityService;
}

export interface IdentityLoaders {
  user: DataLoader<string, User | null>;
}

export type IdentityContext = SubgraphContext<IdentityServices, IdentityLoaders> & {
  /** Set by register, login and refreshSession: the user the request just signed in as. */
  signedInAs?: string;
  /** Set by becomeSeller and becomeInstructor when they issue a token that carries the new role. */
  refreshedAccess?: { userId: string; token: { accessToken: string; expiresAt: Date } };
};
