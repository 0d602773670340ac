import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { identity } from './index.js';

await runStandalone(identity, { defaultPort: 4001 });
