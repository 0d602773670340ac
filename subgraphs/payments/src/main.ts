import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { payments } from './index.js';

await runStandalone(payments, { defaultPort: 4007 });
