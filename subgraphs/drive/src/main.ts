import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { drive } from './index.js';

await runStandalone(drive, { defaultPort: 4005 });
