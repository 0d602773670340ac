import { identity } from '@peerlink/identity';
import { notifications } from '@peerlink/notifications';
import { social } from '@peerlink/social';
import { chat } from '@peerlink/chat';
import { drive } from '@peerlink/drive';
import { marketplace } from '@peerlink/marketplace';
import { payments } from '@peerlink/payments';
import { learning } from '@peerlink/learning';
import { liveSessions } from '@peerlink/live-sessions';
import { assistant } from '@peerlink/assistant';
import { analytics } from '@peerlink/analytics';
import type { AnySubgraphDefinition } from '@peerlink/platform/graphql/subgraph';

/** Every subgraph in the supergraph, with the port it takes when run as its own process. */
export const subgraphs: { definition: AnySubgraphDefinition; port: number }[] = [
  { definition: identity, port: 4001 },
  { definition: notifications, port: 4002 },
  { definition: social, port: 4003 },
  { definition: chat, port: 4004 },
  { definition: drive, port: 4005 },
  { definition: marketplace, port: 4006 },
  { definition: payments, port: 4007 },
  { definition: learning, port: 4008 },
  { definition: liveSessions, port: 4009 },
  { definition: assistant, port: 4010 },
  { definition: analytics, port: 4011 },
];
