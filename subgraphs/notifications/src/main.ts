import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { notifications } from './index.js';

await runStandalone(notifications, { defaultPort: 4002 });
