import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { assistant } from './index.js';

await runStandalone(assistant, { defaultPort: 4010 });
