import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { LiveSessionLoaders } from './loaders.js';
import type { ConnectionService } from './connection.service.js';
import type { RecordingService } from './recording.service.js';
import type { SessionService } from './session.service.js';

export interface LiveSessionsServices {
  sessions: SessionService;
  connections: ConnectionService;
  recordings: RecordingService;
}

export type LiveSessionsContext = SubgraphContext<LiveSessionsServices, LiveSessionLoaders>;
