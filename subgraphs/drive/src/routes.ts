import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '@peerlink/platform/db/database';
import { isUuid } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import express, { type Router } from 'express';
import { DriveFile, FileVersion, FileVisibility } from './file.entity.js';

/**
 * Plain HTTP under the gateway's `/files`: the storage adapter's own signed transfers (local disk)
 * and the stable links of PUBLIC files, which stream (local) or redirect to a fresh signed URL (S3).
 */
export function fileRoutes(orm: Orm, storage: ObjectStorage, logger: Logger): Router {
  const router = express.Router();
  const storageRoutes = storage.routes();
  if (storageRoutes) router.use(storageRoutes);
  router.get('/public/:fileId', async (req, res) => {
    try {
      const em = (orm.em as EntityManager).fork();
      const file = isUuid(req.params.fileId)
        ? await em.findOne(DriveFile, { id: req.params.fileId, visibility: FileVisibility.PUBLIC, deletedAt: null })
        : null;
      const version = file?.currentVersionId ? await em.findOne(FileVersion, { id: file.currentVersionId }) : null;
      if (!file || !version) return void res.status(404).json({ error: 'Not found.' });
      await storage.send(version.storageKey, { fileName: file.name, contentType: file.mimeType }, req, res);
    } catch (err) {
      logger.error({ err }, 'public file failed');
      if (!res.headersSent) res.status(500).json({ error: 'Internal error.' });
    }
  });
  return router;
}
