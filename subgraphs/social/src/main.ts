import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { social } from './index.js';

await runStandalone(social, { defaultPort: 4003 });
