import express from 'express';
import type { LiveKitMediaServer } from './livekit-media-server.js';
import { MediaRefused } from './media-server.js';

/**
 * `POST /livekit` (under the subgraph's `/webhooks` route: `POST /webhooks/livekit` at the gateway),
 * the URL LiveKit's `webhook.urls` names. The signature covers the exact bytes sent, so the body is
 * read raw. 401 for a delivery not signed with our API secret, 400 for one that is not an event;
 * anything else is acknowledged, as LiveKit does not need to deliver it again.
 */
export function liveKitWebhookRoutes(server: Pick<LiveKitMediaServer, 'handleWebhook'>): express.Router {
  const router = express.Router();
  router.post('/livekit', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    try {
      await server.handleWebhook(body, req.header('authorization'));
    } catch (error) {
      if (!(error instanceof MediaRefused)) throw error;
      const status = error.code === 'FORBIDDEN' ? 401 : 400;
      return void res.status(status).json({ error: error.message });
    }
    res.json({ received: true });
  });
  return router;
}
