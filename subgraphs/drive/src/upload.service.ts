import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { AppError, badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import { checkMimeType, checkName } from './access.js';
import { DriveFile, FileVersion, Upload, type UploadTicket } from './file.entity.js';
import type { DriveLoaders } from './loaders.js';
import { refuseTrashed } from './trash.service.js';
import { lockKey, rows, table } from '@peerlink/platform/db/sql';
import type { DriveEvents } from '@peerlink/contracts/drive';
import type { Outbox } from '@peerlink/platform/events/outbox';

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
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<DriveEvents>,
    private readonly storage: ObjectStorage,
    private readonly limits: DriveLimits,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async create(
    viewer: Viewer,
    input: CreateUploadInput,
    client: ClientInfo,
    loaders: DriveLoaders,
  ): Promise<UploadTicket> {
    const name = checkName(input.name);
    if (!name) throw badInput('A file name is 1 to 255 characters, without slashes or control characters.', 'name');
    const type = checkMimeType(input.mimeType);
    if (!type.ok) throw badInput(type.message, 'mimeType');
    if (!Number.isSafeInteger(input.size) || input.size < 0)
      throw badInput('The size is a whole number of bytes.', 'size');
    if (input.size > this.limits.maxFileBytes)
      throw badInput(`Files are at most ${this.limits.maxFileBytes} bytes.`, 'size');
    const checksum = input.checksum?.trim().toLowerCase() || null;
    if (checksum && !/^[0-9a-f]{64}$/.test(checksum)) throw badInput('The checksum is a SHA-256 in hex.', 'checksum');
    let ownerId = viewer.userId;
    if (input.fileId) {
      const file = await loaders.readable(input.fileId);
      if (!file) throw notFound('File');
      refuseTrashed(file, 'fileId');
      if (!(await loaders.canEdit(file))) throw forbidden('Only the owner and editors upload new versions.');
      ownerId = file.ownerId;
    }
    // Serialised per owner, and uploads under way count too: parallel uploads cannot overrun the quota.
    const upload = await this.em.transactional(async (em) => {
      await lockKey(em, `drive-quota:${ownerId}`);
      const used = (await this.committedBytes(ownerId, em)) + (await this.pendingBytes(ownerId, em));
      if (used + input.size > this.limits.quotaBytes) {
        throw new AppError(
          'BAD_USER_INPUT',
          `This would exceed the storage quota (${used} of ${this.limits.quotaBytes} bytes used or reserved).`,
          {
            field: 'size',
            usedBytes: used,
            quotaBytes: this.limits.quotaBytes,
          },
        );
      }
      const upload = em.create(Upload, {
        fileId: input.fileId?.toLowerCase() ?? null,
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
      return upload;
    });
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
  async complete(viewer: Viewer, uploadId: string, loaders: DriveLoaders): Promise<DriveFile> {
    const upload = isUuid(uploadId) ? await this.em.findOne(Upload, { id: uploadId, uploaderId: viewer.userId }) : null;
    if (!upload) throw notFound('Upload');
    if (upload.completedAt) throw conflict('This upload was already completed.', 'uploadId');
    if (upload.rejectedAt) throw badInput('This upload was refused; start a new one.', 'uploadId');
    if (upload.expiresAt < new Date()) throw badInput('This upload has expired; start a new one.', 'uploadId');
    const stored = await this.storage.stat(upload.storageKey);
    if (!stored) throw badInput('No bytes have been uploaded yet.', 'uploadId');
    // A wrong upload is thrown away whole, so it can be retried with a fresh URL.
    // A wrong upload is refused for good: its bytes go now, and its row stays (a tombstone) until
    // the sweeper removes it after expiry, with anything PUT to its still-valid link meanwhile.
    const reject = async (message: string) => {
      await this.em.nativeUpdate(Upload, { id: upload.id }, { rejectedAt: new Date() });
      await this.storage.delete([upload.storageKey]);
      return badInput(`${message} Start a new upload.`, 'uploadId');
    };
    if (stored.size !== upload.size) throw await reject(`${stored.size} bytes arrived, ${upload.size} were declared.`);
    const checksum = await this.storage.sha256(upload.storageKey);
    if (upload.checksum && upload.checksum !== checksum) throw await reject('The bytes do not match the checksum.');

    return this.outbox.transaction(async (em, publish) => {
      // Claimed only while unexpired, so the sweeper cannot remove bytes that are becoming a version.
      const claimed = await rows(
        em,
        `update ${table(em, 'uploads')} set completed_at = now() where id = ? and completed_at is null and ` +
          `rejected_at is null and expires_at > now() returning id`,
        [upload.id],
      );
      if (!claimed.length) throw conflict('This upload was already completed, or has expired.', 'uploadId');
      let file: DriveFile;
      if (upload.fileId) {
        const existing = await em.findOne(DriveFile, { id: upload.fileId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        // The right to add a version is checked again now: it may have been taken away, or the file trashed, since
        // createUpload.
        if (!existing || (existing.deletedAt && existing.ownerId !== viewer.userId)) throw notFound('File');
        refuseTrashed(existing, 'uploadId');
        loaders.forget(existing.id);
        if (!(await loaders.canEdit(existing))) throw forbidden('Only the owner and editors upload new versions.');
        file = existing;
      } else {
        file = em.create(DriveFile, { ownerId: upload.ownerId, name: upload.name, mimeType: upload.mimeType });
        await em.flush();
      }
      const [last] = await rows<{ number: number | null }>(
        em,
        `select max(number) as number from ${table(em, 'file_versions')} where file_id = ?`,
        [file.id],
      );
      const version = em.create(FileVersion, {
        fileId: file.id,
        number: (last?.number ?? 0) + 1,
        size: upload.size,
        checksum,
        storageKey: upload.storageKey,
        uploadedBy: viewer.userId,
      });
      publish('drive.file.version_added', {
        fileId: file.id,
        versionId: version.id,
        ownerId: file.ownerId,
        uploadedBy: viewer.userId,
        number: version.number,
        size: version.size,
        mimeType: upload.mimeType,
        previousMimeType: upload.fileId ? file.mimeType : null,
      });
      file.currentVersionId = version.id;
      file.mimeType = upload.mimeType;
      file.updatedAt = new Date();
      return file;
    });
  }

  /** Bytes of every version of every file the user owns: what counts against the quota. */
  async committedBytes(ownerId: string, em: EntityManager = this.em): Promise<number> {
    const [row] = await rows<{ bytes: string | null }>(
      em,
      `select sum(v.size) as bytes from ${table(em, 'file_versions')} v join ${table(em, 'files')} f on f.id ` +
        `= v.file_id where f.owner_id = ?`,
      [ownerId],
    );
    return Number(row?.bytes ?? 0);
  }

  /**
   * After a file is purged, the links that uploaded its versions may still be valid: their rows
   * become tombstones, so whatever is PUT to them before they expire is swept too.
   */
  async tombstone(em: EntityManager, storageKeys: string[]) {
    if (!storageKeys.length) return;
    await em.execute(
      `update ${table(em, 'uploads')} set completed_at = null, rejected_at = now() where storage_key in ` +
        `(${storageKeys.map(() => '?').join(', ')})`,
      storageKeys,
    );
  }

  /** Bytes reserved by the owner's uploads still under way. */
  private async pendingBytes(ownerId: string, em: EntityManager): Promise<number> {
    const [row] = await rows<{ bytes: string | null }>(
      em,
      `select sum(size) as bytes from ${table(em, 'uploads')} where owner_id = ? and completed_at is null ` +
        `and rejected_at is null and expires_at > now()`,
      [ownerId],
    );
    return Number(row?.bytes ?? 0);
  }

  /**
   * Removes uploads that expired without completing, and tombstones (a minute's grace past their
   * links' expiry): rows first, so a completion can no longer claim them, then their bytes.
   */
  async sweep(): Promise<number> {
    const em = this.em.fork();
    const stale = await rows<{ storage_key: string }>(
      em,
      `delete from ${table(em, 'uploads')} where id in (
         select id from ${table(em, 'uploads')} where completed_at is null and expires_at < now() - interval '1 minute'
           limit 500
       ) returning storage_key`,
    );
    if (stale.length) await this.storage.delete(stale.map((u) => u.storage_key));
    return stale.length;
  }
}
