import type { Actor } from '@peerlink/platform/auth/delegation-token';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';

/** What the gateway knows about each operation; subgraph calls carry it, signed. */
export interface GatewayContext {
  viewer: Viewer | null;
  /** Who acts for the viewer, when a service does (delegation.ts): such an operation may only read. */
  actor?: Actor;
  client: ClientInfo;
  requestId: string;
  /**
   * When the operation started (performance.now()). A subgraph query may join an identical one in
   * flight only if that one was sent after this started, so it never answers with a state older than
   * something the caller already saw (its own mutation, or the event it is resolving). Absent: never joins.
   */
  startedAt?: number;
  /** Aborted when the client goes away before its answer: subgraph calls still on their way are dropped. */
  signal?: AbortSignal;
  /**
   * A live event's lookup: its subgraph calls may wait a few milliseconds to go in a batch with others
   * (lookup-batcher.ts).
   */
  live?: true;
}
