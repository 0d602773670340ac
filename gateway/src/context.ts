import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';

/** What the gateway knows about each operation; subgraph calls carry it, signed. */
export interface GatewayContext {
  viewer: Viewer | null;
  client: ClientInfo;
  requestId: string;
}
