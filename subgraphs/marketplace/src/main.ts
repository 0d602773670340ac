import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { marketplace } from './index.js';

await runStandalone(marketplace, { defaultPort: 4006 });
