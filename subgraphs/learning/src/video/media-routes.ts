import type { Logger } from '@peerlink/platform/logger';
import express, { type Router } from 'express';
import type { PlaybackService } from './playback.service.js';

/**
 * Plain HTTP under the gateway's `/media`: a lecture's playlists for the holder of a playback link
 * (`/media/lectures/<lecture>/master.m3u8?u=…&exp=…&sig=…`), with their segments as signed storage links.
 */
export function mediaRoutes(playback: PlaybackService, logger: Logger): Router {
  const router = express.Router();
  router.get(/^\/lectures\/([^/]+)\/(.+)$/, async (req, res) => {
    const params = req.params as unknown as string[];
    try {
      const answer = await playback.playlist(params[0] ?? '', params[1] ?? '', req.query);
      if (answer.status !== 200) return void res.status(answer.status).json({ error: answer.error });
      // A playlist holds links that expire: it may be kept only as long as they last, and only by this viewer.
      res.status(200).type(answer.contentType).set('cache-control', 'private, no-store').send(answer.body);
    } catch (err) {
      logger.error({ err }, 'playlist failed');
      if (!res.headersSent) res.status(500).json({ error: 'Internal error.' });
    }
  });
  return router;
}
