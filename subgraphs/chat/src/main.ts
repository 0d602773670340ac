import { runStandalone } from '@peerlink/platform/graphql/standalone';
import { chat } from './index.js';

await runStandalone(chat, { defaultPort: 4004 });
