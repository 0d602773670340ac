import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import { knowsEveryone } from '@peerlink/platform/accounts/people';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { decodeCursor, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import type { DriveEvents } from '@peerlink/contracts/drive';
import { DriveFile, FileShare, FileVisibility, ShareRole, type FileVersion } from './file.entity.js';
import type { DriveLoaders } from './loaders.js';
import { rows, table } from '@peerlink/platform/db/sql';
import { ownedFile, refuseTrashed } from './trash.service.js';

/** How long a download link works. */
export const DOWNLOAD_TTL_SECONDS = 15 * 60;

export interface UsageByType {
  mimeType: string;
  bytes: number;
  count: number;
}

/** Files: reading, sharing, versions and what they add up to. */
export class FileService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<DriveEvents>,
    private readonly storage: ObjectStorage,
    private readonly quotaBytes: number,
    private readonly publicBaseUrl: string | undefined,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async readable(id: string, loaders: DriveLoaders): Promise<DriveFile> {
    const file = await loaders.readable(id);
    if (!file) throw notFound('File');
    return file;
  }

  /** The viewer's own files, newest first; those in the trash are listed by `trash`. */
  async mine(viewer: Viewer, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const mine = { ownerId: viewer.userId, currentVersionId: { $ne: null }, deletedAt: null };
    const files = await this.em.find(
      DriveFile,
      { ...mine, ...(cursor ? { id: { $lt: cursor.id } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return withTotalCount(toConnection(files, size, { after }), () => this.em.count(DriveFile, mine));
  }

  /** A signed, short-lived link to a version's bytes, for someone already allowed to read the file. */
  downloadUrl(file: DriveFile, version: FileVersion, client: ClientInfo): Promise<string> {
    return this.storage.signDownload(version.storageKey, {
      fileName: file.name,
      contentType: file.mimeType,
      expiresInSeconds: DOWNLOAD_TTL_SECONDS,
      origin: client.origin,
    });
  }

  /** A PUBLIC file's stable link, under the gateway's /files; none while it is in the trash. */
  publicUrl(file: DriveFile, client: ClientInfo): string | null {
    if (file.visibility !== FileVisibility.PUBLIC || file.deletedAt) return null;
    const base = (this.publicBaseUrl ?? client.origin ?? 'http://localhost:4000').replace(/\/$/, '');
    return `${base}/files/public/${file.id}`;
  }

  /** The owner decides who may see a file. */
  async setVisibility(
    viewer: Viewer,
    id: string,
    visibility: FileVisibility,
    loaders: DriveLoaders,
  ): Promise<DriveFile> {
    const file = await this.owned(viewer, id, loaders);
    await this.em.nativeUpdate(DriveFile, { id: file.id }, { visibility, updatedAt: new Date() });
    loaders.forget(file.id);
    return (await loaders.file.load(file.id))!;
  }

  /** Shares with one user as viewer or editor; a PRIVATE file becomes RESTRICTED, as sharing means. */
  async share(viewer: Viewer, id: string, userId: string, role: ShareRole, loaders: DriveLoaders): Promise<DriveFile> {
    const file = await this.owned(viewer, id, loaders);
    if (userId === viewer.userId) throw badInput('You own this file already.', 'userId');
    if (!isUuid(userId) || !(await knowsEveryone(this.em, [userId]))) throw notFound('User');
    await this.outbox.transaction(async (em, publish) => {
      await em.execute(
        `insert into ${table(em, 'file_shares')} (file_id, user_id, role, created_at) values (?, ?, ?, now())
         on conflict (file_id, user_id) do update set role = excluded.role`,
        [file.id, userId, role],
      );
      if (file.visibility === FileVisibility.PRIVATE)
        await em.nativeUpdate(DriveFile, { id: file.id }, { visibility: FileVisibility.RESTRICTED });
      publish('drive.file.shared', { fileId: file.id, ownerId: file.ownerId, userId, role, name: file.name });
    });
    loaders.forget(file.id);
    return (await loaders.file.load(file.id))!;
  }

  async unshare(viewer: Viewer, id: string, userId: string, loaders: DriveLoaders): Promise<DriveFile> {
    const file = await this.owned(viewer, id, loaders);
    await this.em.nativeDelete(FileShare, { fileId: file.id, userId });
    loaders.forget(file.id);
    return (await loaders.file.load(file.id))!;
  }

  /** Makes an earlier version current again; the owner and editors may. */
  async restore(_viewer: Viewer, fileId: string, versionId: string, loaders: DriveLoaders): Promise<DriveFile> {
    const file = await this.readable(fileId, loaders);
    refuseTrashed(file, 'fileId');
    if (!(await loaders.canEdit(file))) throw forbidden('Only the owner and editors restore versions.');
    const version = (await loaders.versions.load(file.id)).find((v) => v.id === versionId);
    if (!version) throw notFound('Version');
    await this.em.nativeUpdate(DriveFile, { id: file.id }, { currentVersionId: version.id, updatedAt: new Date() });
    loaders.forget(file.id);
    return (await loaders.file.load(file.id))!;
  }

  /** What the user's files take: every version counts against the quota, in the trash too until it is purged. */
  async usage(viewer: Viewer) {
    const byType = await this.bytesByType(viewer.userId);
    const usedBytes = byType.reduce((sum, t) => sum + t.bytes, 0);
    const [files] = await rows<{ count: string }>(
      this.em,
      `select count(*) as count from ${table(this.em, 'files')} where owner_id = ? and current_version_id is not null`,
      [viewer.userId],
    );
    const [trash] = await rows<{ count: string; bytes: string | null }>(
      this.em,
      `select count(distinct f.id) as count, sum(v.size) as bytes from ${table(this.em, 'files')} f join
         ${table(this.em, 'file_versions')} v on v.file_id = f.id
       where f.owner_id = ? and f.deleted_at is not null`,
      [viewer.userId],
    );
    return {
      usedBytes,
      quotaBytes: this.quotaBytes,
      fileCount: Number(files?.count ?? 0),
      trashBytes: Number(trash?.bytes ?? 0),
      trashFileCount: Number(trash?.count ?? 0),
      byMimeType: byType,
    };
  }

  /** Admins: totals across every user. */
  async totals(viewer: Viewer) {
    requireRole(viewer, 'ADMIN', 'Only admins see storage totals.');
    const byType = await this.bytesByType(null);
    const [counts] = await rows<{ files: string; owners: string }>(
      this.em,
      `select count(*) as files, count(distinct owner_id) as owners from ${table(this.em, 'files')} where ` +
        `current_version_id is not null`,
    );
    return {
      usedBytes: byType.reduce((sum, t) => sum + t.bytes, 0),
      fileCount: Number(counts?.files ?? 0),
      userCount: Number(counts?.owners ?? 0),
      byMimeType: byType,
    };
  }

  private async bytesByType(ownerId: string | null): Promise<UsageByType[]> {
    const found = await rows<{ mime_type: string; bytes: string; count: string }>(
      this.em,
      `select f.mime_type, sum(v.size) as bytes, count(distinct f.id) as count
       from ${table(this.em, 'files')} f join ${table(this.em, 'file_versions')} v on v.file_id = f.id
       ${ownerId ? 'where f.owner_id = ?' : ''}
       group by f.mime_type order by sum(v.size) desc`,
      ownerId ? [ownerId] : [],
    );
    return found.map((r) => ({ mimeType: r.mime_type, bytes: Number(r.bytes), count: Number(r.count) }));
  }

  /**
   * A file the viewer owns, out of the trash: NOT_FOUND if they cannot see it, FORBIDDEN if they see but do not own it.
   */
  private async owned(viewer: Viewer, id: string, loaders: DriveLoaders): Promise<DriveFile> {
    const file = await ownedFile(viewer, id, loaders);
    refuseTrashed(file, 'id');
    return file;
  }
}
