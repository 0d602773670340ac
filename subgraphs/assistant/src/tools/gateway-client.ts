import type { KeyObject } from 'node:crypto';
import { signDelegationToken } from '@peerlink/platform/auth/delegation-token';
import type { Viewer } from '@peerlink/platform/auth/viewer';

/** A query the gateway refused or could not answer, with the code it gave. */
export class GatewayQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The graph as the asking user sees it: every tool reads through the gateway with a delegation token
 * naming that user, so it learns nothing the user could not query themselves, and the gateway lets
 * it only read (platform auth/delegation-token.ts).
 */
export class GatewayClient {
  constructor(
    /** Read at each call: in one process the gateway starts after the subgraphs. */
    private readonly url: () => string,
    private readonly privateKey: KeyObject,
    private readonly deadlineMs: number,
  ) {}

  async query<T>(viewer: Viewer, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const token = await signDelegationToken(this.privateKey, viewer, { actor: 'assistant' });
    const response = await fetch(this.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(this.deadlineMs),
    }).catch((error: Error) => {
      throw new GatewayQueryError('SERVICE_UNAVAILABLE', `the gateway did not answer (${error.name})`);
    });
    const body = (await response.json().catch(() => ({}))) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    const error = body.errors?.[0];
    if (error || !body.data)
      throw new GatewayQueryError(error?.extensions?.code ?? 'SERVICE_UNAVAILABLE', error?.message ?? 'no answer');
    return body.data;
  }
}
