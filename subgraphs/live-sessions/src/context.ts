import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { LiveSessionLoaders } from './loaders.js';
import type { SessionService } from './session.service.js';

export interface LiveSessionsServices {
  sessions: SessionService;
}

export type LiveSessionsContext = SubgraphContext<LiveSessionsServices, LiveSessionLoaders>;
