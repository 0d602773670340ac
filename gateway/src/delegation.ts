import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { KeyObject } from 'node:crypto';
import type { AccessTokenVerifier } from '@peerlink/platform/auth/access-token';
import { looksDelegated, verifyDelegationToken, type Actor } from '@peerlink/platform/auth/delegation-token';
import type { Viewer } from '@peerlink/platform/auth/viewer';

export interface VerifiedBearer {
  viewer: Viewer;
  expiresAt: Date;
  /** Set when a service acts for the viewer (auth/delegation-token.ts): such requests may only read. */
  actor?: Actor;
}

/**
 * A bearer token is a user's access token or, when the assistant's public key is configured, a
 * delegation token; the issuer says which, so neither kind pays for the other's signature check.
 */
export function bearerVerifier(
  accessTokens: AccessTokenVerifier,
  assistantKey: KeyObject | undefined,
): (token: string) => Promise<VerifiedBearer | null> {
  return async (token) => {
    if (assistantKey && looksDelegated(token)) {
      const delegated = await verifyDelegationToken(assistantKey, token);
      return delegated && { viewer: delegated.viewer, expiresAt: delegated.expiresAt, actor: delegated.actor };
    }
    return accessTokens.verify(token);
  };
}

/** A service acting for a user reads as that user and changes nothing: mutations are refused before planning. */
export function delegatedReadOnly<TContext extends { actor?: Actor }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (contextValue.actor && operation?.operation !== 'query')
            throw new GraphQLError(`The ${contextValue.actor} may only read on a user's behalf.`, {
              extensions: { code: 'FORBIDDEN', http: { status: 403 } },
            });
        },
      };
    },
  };
}
