import type { EntityManager } from '@mikro-orm/postgresql';
import { holdsRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { isUuid } from '@peerlink/platform/ids';
import DataLoader from 'dataloader';
import { canEdit, canRead } from './access.js';
import { DriveFile, FileShare, FileVersion } from './file.entity.js';
import { byKey, rows, table, uuidArray, validIds } from '@peerlink/platform/db/sql';

/** What a request reads about files, batched per request. */
export class DriveLoaders {
  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
  ) {}

  /** Read only when a decision needs it: it may say SERVICE_UNAVAILABLE when the role cannot be confirmed. */
  get admin(): boolean {
    return holdsRole(this.viewer, 'ADMIN');
  }

  readonly file = new DataLoader<string, DriveFile | null>(async (ids) => {
    const found = await this.em.find(DriveFile, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (f) => f.id);
  });

  /** Every version of each file, newest first. */
  readonly versions = new DataLoader<string, FileVersion[]>(async (fileIds) => {
    const found = await this.em.find(
      FileVersion,
      { fileId: { $in: validIds(fileIds) } },
      { orderBy: { number: 'desc' }, refresh: true },
    );
    return fileIds.map((id) => found.filter((v) => v.fileId === id.toLowerCase()));
  });

  readonly shares = new DataLoader<string, FileShare[]>(async (fileIds) => {
    const found = await this.em.find(
      FileShare,
      { fileId: { $in: validIds(fileIds) } },
      { orderBy: { createdAt: 'asc' }, refresh: true },
    );
    return fileIds.map((id) => found.filter((s) => s.fileId === id.toLowerCase()));
  });

  /** Whether each file was attached in a conversation the viewer is in now. */
  readonly inViewersConversation = new DataLoader<string, boolean>(async (fileIds) => {
    if (!this.viewer) return fileIds.map(() => false);
    const found = await rows<{ file_id: string }>(
      this.em,
      `select distinct g.file_id from ${table(this.em, 'attachment_grants')} g
       join ${table(this.em, 'conversation_members')} m on m.conversation_id = g.conversation_id
       where g.file_id = any(?::uuid[]) and ? = any(m.member_ids)`,
      [uuidArray(fileIds), this.viewer.userId],
    );
    const granted = new Set(found.map((r) => r.file_id));
    return fileIds.map((id) => granted.has(id.toLowerCase()));
  });

  /** Whether anyone's purchase holds each file (it is then never purged). */
  readonly purchased = new DataLoader<string, boolean>(async (fileIds) => {
    const found = await rows<{ file_id: string }>(
      this.em,
      `select distinct file_id from ${table(this.em, 'purchase_grants')} where file_id = any(?::uuid[])`,
      [uuidArray(fileIds)],
    );
    const held = new Set(found.map((r) => r.file_id));
    return fileIds.map((id) => held.has(id.toLowerCase()));
  });

  /** Whether the viewer bought each file (a digital product in a paid order). */
  readonly bought = new DataLoader<string, boolean>(async (fileIds) => {
    if (!this.viewer) return fileIds.map(() => false);
    const found = await rows<{ file_id: string }>(
      this.em,
      `select distinct file_id from ${table(this.em, 'purchase_grants')} where file_id = any(?::uuid[]) and ` +
        `buyer_id = ?`,
      [uuidArray(fileIds), this.viewer.userId],
    );
    const granted = new Set(found.map((r) => r.file_id));
    return fileIds.map((id) => granted.has(id.toLowerCase()));
  });

  /** Whether the viewer sold an order whose buyer showed them each file in a return request. */
  readonly returnPhoto = new DataLoader<string, boolean>(async (fileIds) => {
    if (!this.viewer) return fileIds.map(() => false);
    const found = await rows<{ file_id: string }>(
      this.em,
      `select distinct file_id from ${table(this.em, 'return_photo_grants')} where file_id = any(?::uuid[]) ` +
        `and seller_id = ?`,
      [uuidArray(fileIds), this.viewer.userId],
    );
    const granted = new Set(found.map((r) => r.file_id));
    return fileIds.map((id) => granted.has(id.toLowerCase()));
  });

  /** The viewer's own share of each file, if any. */
  async shareOf(file: DriveFile): Promise<FileShare | null> {
    if (!this.viewer) return null;
    return (await this.shares.load(file.id)).find((s) => s.userId === this.viewer!.userId) ?? null;
  }

  /**
   * By the file's own rules, as an attachment in one of the viewer's conversations, as something
   * they bought, or as a photo a buyer sent them with a return request. In the trash, attachments
   * and photos wait, unused, for a restore; what a buyer paid for stays theirs, as a bought ebook
   * does when its seller stops selling it.
   */
  async canRead(file: DriveFile): Promise<boolean> {
    const viewerId = this.viewer?.userId ?? null;
    const share = (await this.shareOf(file))?.role ?? null;
    // The admin role is asked about only when it would change the answer.
    if (canRead(file, viewerId, share) || (canRead(file, viewerId, share, true) && this.admin)) return true;
    if (file.deletedAt) return this.bought.load(file.id);
    return (
      (await this.inViewersConversation.load(file.id)) ||
      (await this.bought.load(file.id)) ||
      this.returnPhoto.load(file.id)
    );
  }

  async canEdit(file: DriveFile): Promise<boolean> {
    return canEdit(file, this.viewer?.userId ?? null, (await this.shareOf(file))?.role ?? null);
  }

  /** A file the viewer may read, or null: to them it does not exist. */
  async readable(id: string): Promise<DriveFile | null> {
    const file = isUuid(id) ? await this.file.load(id) : null;
    return file && (await this.canRead(file)) ? file : null;
  }

  forget(fileId: string) {
    this.file.clear(fileId);
    this.versions.clear(fileId);
    this.shares.clear(fileId);
  }
}
