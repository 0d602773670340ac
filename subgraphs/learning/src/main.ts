import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { learning } from './index.js';

await runStandalone(learning, { defaultPort: 4008 });
