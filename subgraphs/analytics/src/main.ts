import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { analytics } from './index.js';

await runStandalone(analytics, { defaultPort: 4011 });
