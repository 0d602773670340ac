import type { DriveServices } from '@peerlink/drive';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateUploadDocument,
  DeleteFileDocument,
  DeleteFileForeverDocument,
  EmptyTrashDocument,
  FileDocument,
  FilesDocument,
  RestoreFileDocument,
  RestoreFileVersionDocument,
  SetFileVisibilityDocument,
  ShareFileDocument,
  StorageUsageDocument,
  TrashDocument,
} from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { upload } from './support/drive.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
let db: pg.Client;
type User = Awaited<ReturnType<typeof signUp>>;

const DAY_MS = 24 * 60 * 60 * 1000;
const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';

beforeAll(async () => {
  t = await startTestStack({ DRIVE_QUOTA_BYTES: '100000', DRIVE_TRASH_DAYS: '7' });
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

const drive = () => t.stack.subgraphs.find((s) => s.name === 'drive')!.services as DriveServices;
const uploadAs = (user: User, name: string, text: string, fileId?: string) =>
  upload(t.url, user.token, name, Buffer.from(text), { fileId });
const trash = (user: User, id: string) => ok(t.url, DeleteFileDocument, { id }, user.token);
const restore = async (user: User, id: string) =>
  (await ok(t.url, RestoreFileDocument, { id }, user.token)).restoreFile;
const trashOf = async (user: User) => (await ok(t.url, TrashDocument, {}, user.token)).trash.edges.map((e) => e.node);
const listed = async (user: User) => (await ok(t.url, FilesDocument, {}, user.token)).files.edges.map((e) => e.node.id);
const usage = async (user: User) => (await ok(t.url, StorageUsageDocument, {}, user.token)).storageUsage;
const exists = async (id: string) => (await db.query('select 1 from drive.files where id = $1', [id])).rowCount === 1;

/** Where every version of a file keeps its bytes, read before a purge to check the store afterwards. */
async function storedObjects(fileId: string) {
  const { rows } = await db.query<{ storage_key: string }>(
    'select storage_key from drive.file_versions where file_id = $1',
    [fileId],
  );
  expect(rows.length).toBeGreaterThan(0);
  return rows.map((r) => r.storage_key);
}
const storedSizes = (keys: string[]) =>
  Promise.all(keys.map(async (key) => (await t.stack.infrastructure.storage.stat(key))?.size ?? null));

/** Drive learns of accounts from identity's events; sharing is idempotent, so it is retried until then. */
const shareWith = (owner: User, fileId: string, userId: string) =>
  waitFor(
    'the share',
    async () =>
      (await request(t.url, ShareFileDocument, { fileId, userId, role: 'VIEWER' }, { token: owner.token })).data
        ?.shareFile,
  );

describe('the trash', () => {
  it('hides a file from everyone but its owner, and restoring brings it back with its shares and public link', async () => {
    const [owner, friend] = await Promise.all([signUp(t, 'trs'), signUp(t, 'trs')]);
    const plan = await uploadAs(owner, 'plan.txt', 'the plan');
    const poster = await uploadAs(owner, 'poster.txt', 'for everyone');
    await shareWith(owner, plan.id, friend.id);
    const { publicUrl } = (
      await ok(t.url, SetFileVisibilityDocument, { id: poster.id, visibility: 'PUBLIC' }, owner.token)
    ).setFileVisibility;
    expect((await fetch(publicUrl!)).status).toBe(200);
    expect((await ok(t.url, FileDocument, { id: plan.id }, friend.token)).file.downloadUrl).toBeTruthy();

    expect((await trash(owner, plan.id)).deleteFile).toBe(true);
    expect((await trash(owner, poster.id)).deleteFile).toBe(true);
    // Deleting again changes nothing.
    expect((await trash(owner, poster.id)).deleteFile).toBe(true);

    expect(await codes(t.url, FileDocument, { id: plan.id }, friend.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, FileDocument, { id: poster.id })).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, FileDocument, { id: poster.id }, friend.token)).toEqual(['NOT_FOUND']);
    expect((await fetch(publicUrl!)).status).toBe(404);
    expect(await listed(owner)).toEqual([]);

    // The owner still sees it, and when it will be purged.
    const { file: seen } = await ok(t.url, FileDocument, { id: poster.id }, owner.token);
    expect(seen.publicUrl).toBeNull();
    expect(seen.downloadUrl).toBeTruthy();
    const inTrash = await trashOf(owner);
    expect(inTrash.map((f) => f.name)).toEqual(['poster.txt', 'plan.txt']);
    for (const file of inTrash)
      expect(new Date(file.purgeAt!).getTime() - new Date(file.deletedAt!).getTime()).toBe(7 * DAY_MS);
    // It counts against the quota until purged.
    expect(await usage(owner)).toMatchObject({
      usedBytes: 'the plan'.length + 'for everyone'.length,
      fileCount: 2,
      trashFileCount: 2,
      trashBytes: 'the plan'.length + 'for everyone'.length,
    });

    // Nothing changes a trashed file but a restore.
    expect(
      await codes(t.url, ShareFileDocument, { fileId: plan.id, userId: friend.id, role: 'EDITOR' }, owner.token),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, SetFileVisibilityDocument, { id: plan.id, visibility: 'PUBLIC' }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      await codes(
        t.url,
        CreateUploadDocument,
        { input: { name: 'x', mimeType: 'text/plain', size: 3, fileId: plan.id } },
        owner.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(
        t.url,
        RestoreFileVersionDocument,
        { fileId: plan.id, versionId: plan.currentVersion!.id },
        owner.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);

    const back = await restore(owner, plan.id);
    expect(back).toMatchObject({
      id: plan.id,
      deletedAt: null,
      purgeAt: null,
      visibility: 'RESTRICTED',
      shares: [{ role: 'VIEWER', user: { id: friend.id } }],
    });
    expect(await codes(t.url, RestoreFileDocument, { id: plan.id }, owner.token)).toEqual(['BAD_USER_INPUT']);
    const { file: again } = await ok(t.url, FileDocument, { id: plan.id }, friend.token);
    expect(await (await fetch(again.downloadUrl!)).text()).toBe('the plan');
    await restore(owner, poster.id);
    expect(await (await fetch(publicUrl!)).text()).toBe('for everyone');
    expect((await listed(owner)).sort()).toEqual([plan.id, poster.id].sort());
    expect(await trashOf(owner)).toEqual([]);
  });

  it('lists the most recently deleted first, a page at a time', async () => {
    const owner = await signUp(t, 'trs');
    const files = [];
    for (const name of ['a.txt', 'b.txt', 'c.txt']) files.push(await uploadAs(owner, name, name));
    for (const file of files) await trash(owner, file.id);
    const first = (await ok(t.url, TrashDocument, { first: 2 }, owner.token)).trash;
    expect(first.edges.map((e) => e.node.name)).toEqual(['c.txt', 'b.txt']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await ok(t.url, TrashDocument, { first: 2, after: first.pageInfo.endCursor }, owner.token)).trash;
    expect(rest.edges.map((e) => e.node.name)).toEqual(['a.txt']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('purges for good on demand: the rows, every version’s bytes, and their weight on the quota', async () => {
    const owner = await signUp(t, 'trs');
    const report = await uploadAs(owner, 'report.txt', 'first draft');
    await uploadAs(owner, 'report.txt', 'second draft!', report.id);
    const keys = await storedObjects(report.id);
    expect(keys).toHaveLength(2);
    expect((await storedSizes(keys)).sort()).toEqual([11, 13]);

    expect(await codes(t.url, DeleteFileForeverDocument, { id: report.id }, owner.token)).toEqual(['BAD_USER_INPUT']);
    await trash(owner, report.id);
    expect(await usage(owner)).toMatchObject({ usedBytes: 24, trashBytes: 24 });
    expect((await ok(t.url, DeleteFileForeverDocument, { id: report.id }, owner.token)).deleteFileForever).toBe(true);
    expect(await codes(t.url, FileDocument, { id: report.id }, owner.token)).toEqual(['NOT_FOUND']);
    expect(await storedSizes(keys)).toEqual([null, null]);
    expect(await usage(owner)).toMatchObject({ usedBytes: 0, fileCount: 0, trashBytes: 0, trashFileCount: 0 });
    // Once is enough; again, it is not there.
    expect(await codes(t.url, DeleteFileForeverDocument, { id: report.id }, owner.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, RestoreFileDocument, { id: report.id }, owner.token)).toEqual(['NOT_FOUND']);

    const [kept, gone1, gone2] = [
      await uploadAs(owner, 'kept.txt', 'kept'),
      await uploadAs(owner, 'x.txt', 'x'),
      await uploadAs(owner, 'y.txt', 'y'),
    ];
    await trash(owner, gone1.id);
    await trash(owner, gone2.id);
    expect((await ok(t.url, EmptyTrashDocument, {}, owner.token)).emptyTrash).toBe(2);
    expect((await ok(t.url, EmptyTrashDocument, {}, owner.token)).emptyTrash).toBe(0);
    expect(await listed(owner)).toEqual([kept.id]);
    expect(await usage(owner)).toMatchObject({ usedBytes: 4, fileCount: 1, trashFileCount: 0 });
  });

  it('is swept of files trashed longer ago than DRIVE_TRASH_DAYS, and never of one restored meanwhile', async () => {
    const owner = await signUp(t, 'trs');
    const old = await uploadAs(owner, 'old.txt', 'old');
    const restored = await uploadAs(owner, 'restored.txt', 'restored');
    const keys = await storedObjects(old.id);
    await trash(owner, old.id);
    await trash(owner, restored.id);
    await restore(owner, restored.id);

    // Six days on, nothing is due yet.
    await drive().trash.sweep(new Date(Date.now() + 6 * DAY_MS));
    expect(await exists(old.id)).toBe(true);
    expect((await trashOf(owner)).map((f) => f.id)).toEqual([old.id]);

    await drive().trash.sweep(new Date(Date.now() + 8 * DAY_MS));
    expect(await exists(old.id)).toBe(false);
    expect(await storedSizes(keys)).toEqual([null]);
    expect(await trashOf(owner)).toEqual([]);
    expect(await listed(owner)).toEqual([restored.id]);
    expect(await usage(owner)).toMatchObject({ usedBytes: 'restored'.length, trashBytes: 0 });
    // Sweeping again finds nothing more of the owner's to purge.
    await drive().trash.sweep(new Date(Date.now() + 8 * DAY_MS));
    expect(await listed(owner)).toEqual([restored.id]);
  });

  it('never purges a file whose restore holds its row: the sweep skips it, a purge by hand waits and then refuses', async () => {
    const owner = await signUp(t, 'trs');
    const file = await uploadAs(owner, 'contested.txt', 'contested');
    await trash(owner, file.id);
    const restoring = new pg.Client({ connectionString: t.databaseUrl });
    await restoring.connect();
    try {
      // A restore under way, in the same statement restoreFile runs, not yet committed.
      await restoring.query('begin');
      await restoring.query('update drive.files set deleted_at = null where id = $1 and deleted_at is not null', [
        file.id,
      ]);

      await drive().trash.sweep(new Date(Date.now() + 30 * DAY_MS));
      expect(await exists(file.id)).toBe(true);

      const purging = codes(t.url, DeleteFileForeverDocument, { id: file.id }, owner.token);
      await waitFor('the purge to wait for the row', async () => {
        const { rows } = await db.query<{ waiting: string }>(
          `select count(*) as waiting from pg_stat_activity where datname = current_database() and ` +
            `wait_event_type = 'Lock' and query ilike '%for update%'`,
        );
        return Number(rows[0]!.waiting) > 0;
      });
      await restoring.query('commit');
      expect(await purging).toEqual(['BAD_USER_INPUT']);
    } finally {
      await restoring.end();
    }
    expect(await exists(file.id)).toBe(true);
    expect((await ok(t.url, FileDocument, { id: file.id }, owner.token)).file.deletedAt).toBeNull();
  });

  it('is its owner’s alone: others get NOT_FOUND, and signed-out callers UNAUTHENTICATED', async () => {
    const [owner, stranger] = await Promise.all([signUp(t, 'trs'), signUp(t, 'trs')]);
    const kept = await uploadAs(owner, 'kept.txt', 'mine');
    const binned = await uploadAs(owner, 'binned.txt', 'mine too');
    await trash(owner, binned.id);
    for (const id of [kept.id, binned.id, UNKNOWN]) {
      expect(await codes(t.url, DeleteFileDocument, { id }, stranger.token)).toEqual(['NOT_FOUND']);
      expect(await codes(t.url, RestoreFileDocument, { id }, stranger.token)).toEqual(['NOT_FOUND']);
      expect(await codes(t.url, DeleteFileForeverDocument, { id }, stranger.token)).toEqual(['NOT_FOUND']);
    }
    expect(await trashOf(stranger)).toEqual([]);
    expect((await ok(t.url, EmptyTrashDocument, {}, stranger.token)).emptyTrash).toBe(0);
    expect(await exists(binned.id)).toBe(true);
    expect(await listed(owner)).toEqual([kept.id]);

    expect(await codes(t.url, TrashDocument, {})).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, DeleteFileDocument, { id: kept.id })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, RestoreFileDocument, { id: binned.id })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, DeleteFileForeverDocument, { id: binned.id })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, EmptyTrashDocument, {})).toEqual(['UNAUTHENTICATED']);
  });
});
