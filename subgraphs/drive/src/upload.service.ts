import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { AppError, badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import { checkMimeType, checkName } from './access.js';
import { DriveFile, FileVersion, Upload, type UploadTicket } from './file.entity.js';
import type { DriveLoaders } from './loaders.js';
import { rows, table } from './sql.js';

const UPLOAD_TTL_SECONDS = 15 * 60;

export interface CreateUploadInput {
  name: string;
  mimeType: string;
  size: number;
  /** SHA-256 (hex) the client computed; checked on completion when given. */
  checksum?: string | null;
  /** Upload a new version of this file. */
  fileId?: string | null;
}

export interface DriveLimits {
  quotaBytes: number;
  maxFileBytes: number;
}

/**
 * Uploads: a signed, one-time URL for exactly the declared bytes, checked and turned into a
 * version by `complete`. Until then nothing is visible; abandoned uploads expire and their bytes
 * are removed by `sweep`.
 */
export class UploadService {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly orm: Orm,
    private readonly storage: ObjectStorage,
    private readonly limits: DriveLimits,
    private readonly logger: Logger,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async create(viewer: Viewer, input: CreateUploadInput, client: ClientInfo, loaders: DriveLoaders): Promise<UploadTicket> {
    const name = checkName(input.name);
    if (!name) throw badInput('A file name is 1 to 255 characters, without slashes or control characters.', 'name');
    const type = checkMimeType(input.mimeType);
    if (!type.ok) throw badInput(type.message, 'mimeType');
    if (!Number.isSafeInteger(input.size) || input.size < 0) throw badInput('The size is a whole number of bytes.', 'size');
    if (input.size > this.limits.maxFileBytes) throw badInput(`Files are at most ${this.limits.maxFileBytes} bytes.`, 'size');
    const checksum = input.checksum?.trim().toLowerCase() || null;
    if (checksum && !/^[0-9a-f]{64}$/.test(checksum)) throw badInput('The checksum is a SHA-256 in hex.', 'checksum');
    let ownerId = viewer.userId;
    if (input.fileId) {
      const file = await loaders.readable(input.fileId);
      if (!file) throw notFound('File');
      if (!(await loaders.canEdit(file))) throw forbidden('Only the owner and editors upload new versions.');
      ownerId = file.ownerId;
    }
    const used = await this.committedBytes(ownerId);
    if (used + input.size > this.limits.quotaBytes) {
      throw new AppError('BAD_USER_INPUT', `This would exceed the storage quota (${used} of ${this.limits.quotaBytes} bytes used).`, {
        field: 'size',
        usedBytes: used,
        quotaBytes: this.limits.quotaBytes,
      });
    }
    const upload = this.em.create(Upload, {
      fileId: input.fileId ?? null,
      uploaderId: viewer.userId,
      ownerId,
      name,
      mimeType: type.mimeType,
      size: input.size,
      checksum,
      storageKey: '',
      expiresAt: new Date(Date.now() + UPLOAD_TTL_SECONDS * 1000),
    });
    upload.storageKey = `objects/${upload.id}`;
    await this.em.flush();
    const signed = await this.storage.signUpload(upload.storageKey, {
      contentType: type.mimeType,
      size: input.size,
      expiresInSeconds: UPLOAD_TTL_SECONDS,
      origin: client.origin,
    });
    const headers = Object.entries(signed.headers).map(([name, value]) => ({ name, value }));
    return { uploadId: upload.id, uploadUrl: signed.url, method: 'PUT', headers, expiresAt: upload.expiresAt };
  }

  /** Checks the bytes against what was declared and makes them the file's current version. */
  async complete(viewer: Viewer, uploadId: string): Promise<DriveFile> {
    const upload = isUuid(uploadId) ? await this.em.findOne(Upload, { id: uploadId, uploaderId: viewer.userId }) : null;
    if (!upload) throw notFound('Upload');
    if (upload.completedAt) throw conflict('This upload was already completed.', 'uploadId');
    if (upload.expiresAt < new Date()) throw badInput('This upload has expired; start a new one.', 'uploadId');
    const stored = await this.storage.stat(upload.storageKey);
    if (!stored) throw badInput('No bytes have been uploaded yet.', 'uploadId');
    // A wrong upload is thrown away whole, so it can be retried with a fresh URL.
    const reject = async (message: string) => {
      await this.storage.delete([upload.storageKey]);
      await this.em.nativeDelete(Upload, { id: upload.id });
      return badInput(message, 'uploadId');
    };
    if (stored.size !== upload.size) throw await reject(`${stored.size} bytes arrived, ${upload.size} were declared.`);
    const checksum = await this.storage.sha256(upload.storageKey);
    if (upload.checksum && upload.checksum !== checksum) throw await reject('The bytes do not match the checksum.');

    return this.em.transactional(async (em) => {
      const claimed = await rows(em, `update ${table(em, 'uploads')} set completed_at = now() where id = ? and completed_at is null returning id`, [upload.id]);
      if (!claimed.length) throw conflict('This upload was already completed.', 'uploadId');
      let file: DriveFile;
      if (upload.fileId) {
        const existing = await em.findOne(DriveFile, { id: upload.fileId }, { lockMode: 4 /* PESSIMISTIC_WRITE */ });
        if (!existing) throw notFound('File');
        file = existing;
      } else {
        file = em.create(DriveFile, { ownerId: upload.ownerId, name: upload.name, mimeType: upload.mimeType });
        await em.flush();
      }
      const [last] = await rows<{ number: number | null }>(em, `select max(number) as number from ${table(em, 'file_versions')} where file_id = ?`, [file.id]);
      const version = em.create(FileVersion, {
        fileId: file.id,
        number: (last?.number ?? 0) + 1,
        size: upload.size,
        checksum,
        storageKey: upload.storageKey,
        uploadedBy: viewer.userId,
      });
      file.currentVersionId = version.id;
      file.mimeType = upload.mimeType;
      file.updatedAt = new Date();
      return file;
    });
  }

  /** Bytes of every version of every file the user owns: what counts against the quota. */
  async committedBytes(ownerId: string): Promise<number> {
    const [row] = await rows<{ bytes: string | null }>(
      this.em,
      `select sum(v.size) as bytes from ${table(this.em, 'file_versions')} v join ${table(this.em, 'files')} f on f.id = v.file_id where f.owner_id = ?`,
      [ownerId],
    );
    return Number(row?.bytes ?? 0);
  }

  startSweeping(everyMs = 60_000) {
    this.sweeper = setInterval(() => void this.sweep().catch((err) => this.logger.warn({ err }, 'upload sweep failed')), everyMs);
    this.sweeper.unref();
  }

  stopSweeping() {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Removes uploads that expired without completing, bytes first. */
  async sweep(): Promise<number> {
    const em = this.em.fork();
    const stale = await em.find(Upload, { completedAt: null, expiresAt: { $lt: new Date() } }, { limit: 500 });
    if (!stale.length) return 0;
    await this.storage.delete(stale.map((u) => u.storageKey));
    await em.nativeDelete(Upload, { id: { $in: stale.map((u) => u.id) } });
    return stale.length;
  }
}
