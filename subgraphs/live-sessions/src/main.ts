import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { liveSessions } from './index.js';

await runStandalone(liveSessions, { defaultPort: 4009 });
