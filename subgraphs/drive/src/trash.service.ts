import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { rows, table, uuidArray } from '@peerlink/platform/db/sql';
import { badInput, forbidden, notFound } from '@peerlink/platform/errors';
import { decodeCursor, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import type { ObjectStorage } from '@peerlink/platform/storage/object-storage';
import type { DriveEvents } from '@peerlink/contracts/drive';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { DriveFile } from './file.entity.js';
import type { DriveLoaders } from './loaders.js';
import type { UploadService } from './upload.service.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Files purged per transaction, so a large trash never holds one long transaction's locks. */
const PURGE_BATCH = 100;

/**
 * Files someone has bought are never purged: a purchase outlives its seller's trash (refunds and cancellations end it).
 */
const NOT_BOUGHT = (em: EntityManager) =>
  `not exists (select 1 from ${table(em, 'purchase_grants')} g where g.file_id = f.id)`;

/** Which trashed files a purge takes. */
interface PurgeScope {
  fileId?: string;
  ownerId?: string;
  trashedBefore?: Date;
}

/** Changing a trashed file (sharing, new versions...) waits for its restore. */
export function refuseTrashed(file: DriveFile, field: string) {
  if (file.deletedAt) throw badInput('This file is in the trash; restore it first.', field);
}

/**
 * A file the viewer owns, in the trash or not: NOT_FOUND if they cannot see it, FORBIDDEN if they see but do not own
 * it.
 */
export async function ownedFile(viewer: Viewer, id: string, loaders: DriveLoaders): Promise<DriveFile> {
  const file = await loaders.readable(id);
  if (!file) throw notFound('File');
  if (file.ownerId !== viewer.userId) throw forbidden('Only the owner may do that.');
  return file;
}

/**
 * The trash: deleting moves a file here, where only its owner (and those who bought it) see it (its
 * shares and attachments kept but unused) and it still counts against their quota; restoring brings
 * it back as it was, and purging (by hand, or DRIVE_TRASH_DAYS later) removes its rows and every
 * version's bytes, except while someone's purchase holds it.
 */
export class TrashService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<DriveEvents>,
    private readonly storage: ObjectStorage,
    private readonly uploads: UploadService,
    private readonly trashDays: number,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** When the sweeper will purge a trashed file. */
  purgeAt(file: DriveFile): Date | null {
    return file.deletedAt ? new Date(file.deletedAt.getTime() + this.trashDays * DAY_MS) : null;
  }

  /** The viewer's trash, most recently deleted first. */
  async list(viewer: Viewer, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const files = await this.em.find(
      DriveFile,
      {
        ownerId: viewer.userId,
        deletedAt: { $ne: null },
        ...(cursor
          ? { $or: [{ deletedAt: { $lt: cursor.createdAt } }, { deletedAt: cursor.createdAt, id: { $lt: cursor.id } }] }
          : {}),
      },
      { orderBy: { deletedAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    return withTotalCount(
      toConnection(files, size, (file) => ({ createdAt: file.deletedAt!, id: file.id }), { after }),
      () => this.em.count(DriveFile, { ownerId: viewer.userId, deletedAt: { $ne: null } }),
    );
  }

  /** Moves a file to the trash; the owner only. Deleting it again changes nothing. */
  async trash(viewer: Viewer, id: string, loaders: DriveLoaders): Promise<boolean> {
    const file = await ownedFile(viewer, id, loaders);
    // A JavaScript date (milliseconds), as the trash's cursors hold, rather than the database's now().
    await this.em.nativeUpdate(DriveFile, { id: file.id, deletedAt: null }, { deletedAt: new Date() });
    loaders.forget(file.id);
    return true;
  }

  /** Brings a trashed file back, with its shares and grants. */
  async restore(viewer: Viewer, id: string, loaders: DriveLoaders): Promise<DriveFile> {
    const file = await ownedFile(viewer, id, loaders);
    if (!file.deletedAt) throw badInput('This file is not in the trash.', 'id');
    // Waits for the row's lock: a purge under way either removes the file first, or then finds it restored and leaves
    // it.
    await rows(
      this.em,
      `update ${table(this.em, 'files')} set deleted_at = null where id = ? and deleted_at is not null`,
      [file.id],
    );
    loaders.forget(file.id);
    const restored = await loaders.file.load(file.id);
    if (!restored) throw notFound('File');
    return restored;
  }

  /** Purges one trashed file now; the owner only. */
  async purgeForever(viewer: Viewer, id: string, loaders: DriveLoaders): Promise<boolean> {
    const file = await ownedFile(viewer, id, loaders);
    if (!file.deletedAt) throw badInput('Move the file to the trash first.', 'id');
    const purged = await this.purgeBatch({ fileId: file.id });
    if (!purged && (await this.bought(file.id)))
      throw badInput(
        'People have bought this file, so it stays for them; it counts toward your quota until their purchases end.',
        'id',
      );
    loaders.forget(file.id);
    if (!purged && (await loaders.file.load(file.id))) throw badInput('This file was restored meanwhile.', 'id');
    return true;
  }

  private async bought(fileId: string): Promise<boolean> {
    return (
      (await rows(this.em, `select 1 from ${table(this.em, 'purchase_grants')} where file_id = ? limit 1`, [fileId]))
        .length > 0
    );
  }

  /** Purges everything in the viewer's trash (but what people have bought); how many files went. */
  emptyTrash(viewer: Viewer): Promise<number> {
    return this.purgeAll({ ownerId: viewer.userId });
  }

  /** Purges every file trashed more than DRIVE_TRASH_DAYS before `now`: the sweeper's work. */
  sweep(now = new Date()): Promise<number> {
    return this.purgeAll({ trashedBefore: new Date(now.getTime() - this.trashDays * DAY_MS) });
  }

  private async purgeAll(scope: PurgeScope): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.purgeBatch(scope);
      total += purged;
      if (purged < PURGE_BATCH) return total;
    }
  }

  /**
   * Rows first, each locked and checked still trashed (a restore under way wins, or waits and
   * loses), then the bytes. The versions' upload rows become tombstones, so should deleting the
   * bytes fail here, the upload sweeper deletes them again: a purge never strands bytes.
   */
  private async purgeBatch(scope: PurgeScope): Promise<number> {
    const { count, keys } = await this.outbox.transaction(async (em, publish) => {
      const filters: [string, unknown][] = [];
      if (scope.fileId) filters.push(['id = ?', scope.fileId]);
      if (scope.ownerId) filters.push(['owner_id = ?', scope.ownerId]);
      if (scope.trashedBefore) filters.push(['deleted_at < ?', scope.trashedBefore]);
      // One file asked for by name waits for its lock; bulk purges skip locked rows until the next run.
      const doomed = await rows<{ id: string }>(
        em,
        `select id from ${table(em, 'files')} f where
           ${['deleted_at is not null', NOT_BOUGHT(em), ...filters.map(([sql]) => sql)].join(' and ')}
         order by deleted_at limit ${PURGE_BATCH} for update${scope.fileId ? '' : ' skip locked'}`,
        filters.map(([, value]) => value),
      );
      if (!doomed.length) return { count: 0, keys: [] };
      // Asked again in a statement of its own, which sees what committed while we waited for the
      // locks: a purchase granted meanwhile keeps its file. The versions' keys are read in the same
      // statement, before the row takes its versions, shares and attachment grants with it (on delete cascade).
      const versions = await rows<PurgedVersion>(
        em,
        `with gone as (delete from ${table(em, 'files')} f where id = any(?::uuid[]) and ${NOT_BOUGHT(em)}
           returning id, owner_id, mime_type)
         select g.id as file_id, g.owner_id, g.mime_type, v.storage_key, v.size
         from gone g left join ${table(em, 'file_versions')} v on v.file_id = g.id`,
        [uuidArray(doomed.map((f) => f.id))],
      );
      const gone = purgedFiles(versions);
      if (!gone.length) return { count: 0, keys: [] };
      const keys = versions.flatMap((v) => (v.storage_key ? [v.storage_key] : []));
      await this.uploads.tombstone(em, keys);
      publish('drive.files.purged', { files: gone });
      return { count: gone.length, keys };
    });
    if (keys.length) await this.storage.delete(keys);
    return count;
  }
}

interface PurgedVersion {
  file_id: string;
  owner_id: string;
  mime_type: string;
  storage_key: string | null;
  size: string | number | null;
}

/** Each purged file once, with the bytes and the count of the versions it took. */
function purgedFiles(versions: PurgedVersion[]) {
  const files = new Map<string, DriveEvents['drive.files.purged']['files'][number]>();
  for (const v of versions) {
    const file = files.get(v.file_id) ?? {
      fileId: v.file_id,
      ownerId: v.owner_id,
      mimeType: v.mime_type,
      bytes: 0,
      versions: 0,
    };
    if (v.storage_key) {
      file.bytes += Number(v.size);
      file.versions += 1;
    }
    files.set(v.file_id, file);
  }
  return [...files.values()];
}
