import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  CompleteUploadDocument,
  CreateUploadDocument,
  DeleteFileDocument,
  DeleteFileForeverDocument,
  FileDocument,
  FilesDocument,
  LoginDocument,
  RestoreFileVersionDocument,
  SetFileVisibilityDocument,
  ShareFileDocument,
  SocialNotificationsDocument,
  StorageTotalsDocument,
  StorageUsageDocument,
  UnshareFileDocument,
} from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { put, sha256, startUpload as startUploadAt, upload as uploadAt } from './support/drive.js';
import { startS3Server } from './support/s3.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
type User = Awaited<ReturnType<typeof signUp>>;

const startUpload = (user: User, input: Parameters<typeof startUploadAt>[2]) => startUploadAt(t.url, user.token, input);
async function upload(user: User, name: string, bytes: Buffer, options: { mimeType?: string; fileId?: string } = {}) {
  const file = await uploadAt(t.url, user.token, name, bytes, options);
  expect(file.currentVersion).not.toBeNull();
  return file;
}

const fileAs = (user: User | null, id: string) => request(t.url, FileDocument, { id }, { token: user?.token });
const download = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

/** Drive learns of accounts from identity's events; sharing is idempotent, so it is retried until then. */
const shareWith = (owner: User, fileId: string, userId: string, role: 'VIEWER' | 'EDITOR') =>
  waitFor(
    'the share',
    async () =>
      (await request(t.url, ShareFileDocument, { fileId, userId, role }, { token: owner.token })).data?.shareFile,
  );

describe.each([
  { adapter: 'local disk', s3: false },
  { adapter: 'S3 (s3rver)', s3: true },
])('drive on $adapter', ({ s3 }) => {
  let s3Server: Awaited<ReturnType<typeof startS3Server>> | null = null;
  beforeAll(async () => {
    s3Server = s3 ? await startS3Server() : null;
    t = await startTestStack({ DRIVE_QUOTA_BYTES: '100000', DRIVE_MAX_FILE_BYTES: '60000', ...(s3Server?.env ?? {}) });
  });
  afterAll(async () => {
    await t?.stop();
    await s3Server?.stop();
  });

  describe('uploads and downloads', () => {
    it('store bytes through a signed URL and serve them back, whole or by range', async () => {
      const owner = await signUp(t, 'drv');
      const bytes = Buffer.from('Hello, PeerLink drive! '.repeat(100));
      const file = await upload(owner, 'hello.txt', bytes);
      expect(file).toMatchObject({
        name: 'hello.txt',
        mimeType: 'text/plain',
        size: bytes.length,
        checksum: sha256(bytes),
        visibility: 'PRIVATE',
        publicUrl: null,
      });
      expect(file.owner!.username).toBe(owner.username);
      expect(file.currentVersion?.number).toBe(1);

      const whole = await download(file.downloadUrl!);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-disposition')).toContain('hello.txt');
      expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
      const part = await download(file.downloadUrl!, { range: 'bytes=7-14' });
      expect(part.status).toBe(206);
      expect(await part.text()).toBe('PeerLink');

      expect((await ok(t.url, FilesDocument, {}, owner.token)).files.edges.map((e) => e.node.name)).toEqual([
        'hello.txt',
      ]);
      expect(await codes(t.url, FilesDocument, { first: 0 }, owner.token)).toEqual(['BAD_USER_INPUT']);
      expect(await codes(t.url, FilesDocument, {})).toEqual(['UNAUTHENTICATED']);
      // A tampered link is refused (local storage's own check; s3rver checks no signatures).
      if (!s3) expect((await download(file.downloadUrl!.replace('sig=', 'sig=x'))).status).toBe(403);
    });

    it('keep versions: a new upload becomes current, old ones stay downloadable and can be restored', async () => {
      const owner = await signUp(t, 'drv');
      const first = await upload(owner, 'notes.md', Buffer.from('version one'), { mimeType: 'text/markdown' });
      const second = await upload(owner, 'ignored.md', Buffer.from('version two!'), {
        mimeType: 'text/markdown',
        fileId: first.id,
      });
      expect(second).toMatchObject({ id: first.id, name: 'notes.md', size: 12, currentVersion: { number: 2 } });
      const { file } = await ok(t.url, FileDocument, { id: first.id }, owner.token);
      expect(file.versions.map((v) => [v.number, v.size])).toEqual([
        [2, 12],
        [1, 11],
      ]);
      expect(await (await download(file.versions[1]!.downloadUrl!)).text()).toBe('version one');

      const restored = (
        await ok(t.url, RestoreFileVersionDocument, { fileId: first.id, versionId: file.versions[1]!.id }, owner.token)
      ).restoreFileVersion;
      expect(restored.currentVersion?.number).toBe(1);
      expect(await (await download(restored.downloadUrl!)).text()).toBe('version one');

      expect((await ok(t.url, DeleteFileDocument, { id: first.id }, owner.token)).deleteFile).toBe(true);
      expect((await ok(t.url, DeleteFileForeverDocument, { id: first.id }, owner.token)).deleteFileForever).toBe(true);
      expect(await codes(t.url, FileDocument, { id: first.id }, owner.token)).toEqual(['NOT_FOUND']);
      // Purged, the bytes of every version are gone with it.
      expect((await download(file.versions[1]!.downloadUrl!)).status).toBe(404);
      expect((await download(file.versions[0]!.downloadUrl!)).status).toBe(404);
    });

    it('refuse bad uploads with clear errors and store nothing', async () => {
      const owner = await signUp(t, 'drv');
      const bytes = Buffer.from('exactly twenty bytes');
      // Fewer bytes than declared.
      const short = await startUpload(owner, { name: 'a.txt', mimeType: 'text/plain', size: 100 });
      expect((await put(short, bytes)).status).toBe(200);
      expect(await codes(t.url, CompleteUploadDocument, { uploadId: short.uploadId }, owner.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
      // Refused for good: bytes PUT again to its link cannot make it complete.
      await put(short, Buffer.alloc(100, 1));
      expect(await codes(t.url, CompleteUploadDocument, { uploadId: short.uploadId }, owner.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
      // More bytes than declared are cut off at the door.
      const long = await startUpload(owner, { name: 'b.txt', mimeType: 'text/plain', size: 5 });
      const tooLong = await put(long, bytes);
      // Local storage stops the body at the door; S3 refuses the signed length (s3rver checks no signatures).
      if (!s3) expect(tooLong.status).toBe(413);
      expect(await codes(t.url, CompleteUploadDocument, { uploadId: long.uploadId }, owner.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
      // The wrong bytes for the checksum.
      const wrong = await startUpload(owner, {
        name: 'c.txt',
        mimeType: 'text/plain',
        size: bytes.length,
        checksum: sha256(Buffer.from('something else')),
      });
      expect((await put(wrong, bytes)).status).toBe(200);
      expect(await codes(t.url, CompleteUploadDocument, { uploadId: wrong.uploadId }, owner.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
      // A used link and a completed upload cannot be used again.
      const once = await startUpload(owner, { name: 'd.txt', mimeType: 'text/plain', size: bytes.length });
      expect((await put(once, bytes)).status).toBe(200);
      // A second PUT to the link is refused: local storage says so; S3 gets a conditional write (if-none-match).
      if (s3) expect(once.headers).toContainEqual({ name: 'if-none-match', value: '*' });
      else expect((await put(once, bytes)).status).toBe(409);
      await ok(t.url, CompleteUploadDocument, { uploadId: once.uploadId }, owner.token);
      expect(await codes(t.url, CompleteUploadDocument, { uploadId: once.uploadId }, owner.token)).toEqual([
        'CONFLICT',
      ]);
      // Someone else's upload does not exist for you.
      const other = await signUp(t, 'drv');
      expect(await codes(t.url, CompleteUploadDocument, { uploadId: once.uploadId }, other.token)).toEqual([
        'NOT_FOUND',
      ]);

      const input = { name: 'x.bin', mimeType: 'application/octet-stream', size: 10 };
      expect(await codes(t.url, CreateUploadDocument, { input: { ...input, size: 60001 } }, owner.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
      expect(await codes(t.url, CreateUploadDocument, { input: { ...input, size: -1 } }, owner.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
      expect(
        await codes(t.url, CreateUploadDocument, { input: { ...input, name: '../etc/passwd' } }, owner.token),
      ).toEqual(['BAD_USER_INPUT']);
      expect(
        await codes(t.url, CreateUploadDocument, { input: { ...input, mimeType: 'not a type' } }, owner.token),
      ).toEqual(['BAD_USER_INPUT']);
      expect(
        await codes(
          t.url,
          CreateUploadDocument,
          { input: { ...input, mimeType: 'application/x-msdownload' } },
          owner.token,
        ),
      ).toEqual(['BAD_USER_INPUT']);
      expect(await codes(t.url, CreateUploadDocument, { input: { ...input, checksum: 'abc' } }, owner.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
      expect(await codes(t.url, CreateUploadDocument, { input })).toEqual(['UNAUTHENTICATED']);

      // Only the one good upload counts.
      const usage = (await ok(t.url, StorageUsageDocument, {}, owner.token)).storageUsage;
      expect(usage).toMatchObject({ usedBytes: bytes.length, fileCount: 1, quotaBytes: 100000 });
    });

    it('count uploads under way against the quota, so parallel uploads cannot overrun it', async () => {
      const owner = await signUp(t, 'drv');
      await startUpload(owner, { name: 'reserved.bin', mimeType: 'application/octet-stream', size: 55000 });
      expect(
        await codes(
          t.url,
          CreateUploadDocument,
          { input: { name: 'more.bin', mimeType: 'application/octet-stream', size: 50000 } },
          owner.token,
        ),
      ).toEqual(['BAD_USER_INPUT']);
    });

    it('survive malformed file links and keep serving', async () => {
      const owner = await signUp(t, 'drv');
      const origin = new URL(t.url).origin;
      for (const path of [
        '/files/o/ab%25cd?op=get',
        '/files/o/..%2F..%2Fetc%2Fpasswd?op=get&sig=x&exp=9999999999',
        '/files/public/not-an-id',
      ]) {
        const response = await fetch(`${origin}${path}`);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }
      const file = await upload(owner, 'still.txt', Buffer.from('still here'));
      expect(await (await download(file.downloadUrl!)).text()).toBe('still here');
    });

    it('enforce the quota at createUpload', async () => {
      const owner = await signUp(t, 'drv');
      await upload(owner, 'big.bin', Buffer.alloc(55000, 1), { mimeType: 'application/octet-stream' });
      const result = await request(
        t.url,
        CreateUploadDocument,
        { input: { name: 'more.bin', mimeType: 'application/octet-stream', size: 50000 } },
        { token: owner.token },
      );
      expect(result.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'size',
        usedBytes: 55000,
        quotaBytes: 100000,
      });
      const usage = (await ok(t.url, StorageUsageDocument, {}, owner.token)).storageUsage;
      expect(usage).toEqual({
        usedBytes: 55000,
        quotaBytes: 100000,
        fileCount: 1,
        trashBytes: 0,
        trashFileCount: 0,
        byMimeType: [{ mimeType: 'application/octet-stream', bytes: 55000, count: 1 }],
      });
    });
  });

  describe('access', () => {
    it('keeps PRIVATE files to their owner and opens PUBLIC ones to anyone, with a stable link', async () => {
      const [owner, stranger] = await Promise.all([signUp(t, 'drv'), signUp(t, 'drv')]);
      const file = await upload(owner, 'photo.png', Buffer.from('not really a png'), { mimeType: 'image/png' });
      expect(await codes(t.url, FileDocument, { id: file.id }, stranger.token)).toEqual(['NOT_FOUND']);
      expect((await fileAs(null, file.id)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(
        await codes(t.url, SetFileVisibilityDocument, { id: file.id, visibility: 'PUBLIC' }, stranger.token),
      ).toEqual(['NOT_FOUND']);

      const shared = (await ok(t.url, SetFileVisibilityDocument, { id: file.id, visibility: 'PUBLIC' }, owner.token))
        .setFileVisibility;
      expect(shared.publicUrl).toMatch(new RegExp(`/files/public/${file.id}$`));
      const anonymous = (await fileAs(null, file.id)).data?.file;
      expect(anonymous?.downloadUrl).toBeTruthy();
      const viaPublic = await download(shared.publicUrl!);
      expect(viaPublic.headers.get('content-type')).toBe('image/png');
      expect(await viaPublic.text()).toBe('not really a png');
      expect(anonymous?.shares).toBeNull();

      await ok(t.url, SetFileVisibilityDocument, { id: file.id, visibility: 'PRIVATE' }, owner.token);
      expect((await download(shared.publicUrl!)).status).toBe(404);
    });

    it('lets RESTRICTED files be read by those they are shared with, and edited by editors only', async () => {
      const [owner, viewer, editor, stranger] = await Promise.all([
        signUp(t, 'drv'),
        signUp(t, 'drv'),
        signUp(t, 'drv'),
        signUp(t, 'drv'),
      ]);
      const file = await upload(owner, 'plan.txt', Buffer.from('the plan'));
      const afterShare = await shareWith(owner, file.id, viewer.id, 'VIEWER');
      expect(afterShare.visibility).toBe('RESTRICTED');
      const told = await waitFor('the share notification', async () =>
        (await ok(t.url, SocialNotificationsDocument, {}, viewer.token)).notifications.edges
          .map((e) => e.node)
          .find((n) => n.kind === 'FILE'),
      );
      expect(told).toMatchObject({
        title: `${owner.displayName} shared a file with you`,
        body: '“plan.txt” (you can view it)',
        actor: { username: owner.username },
      });
      await shareWith(owner, file.id, editor.id, 'EDITOR');

      const seen = (await ok(t.url, FileDocument, { id: file.id }, viewer.token)).file;
      expect(await (await download(seen.downloadUrl!)).text()).toBe('the plan');
      expect(seen.shares).toBeNull();
      expect(await codes(t.url, FileDocument, { id: file.id }, stranger.token)).toEqual(['NOT_FOUND']);
      expect(
        await codes(
          t.url,
          CreateUploadDocument,
          { input: { name: 'x', mimeType: 'text/plain', size: 3, fileId: file.id } },
          viewer.token,
        ),
      ).toEqual(['FORBIDDEN']);
      const edited = await upload(editor, 'plan.txt', Buffer.from('the new plan'), { fileId: file.id });
      expect(edited.currentVersion?.number).toBe(2);
      expect(edited.owner!.id).toBe(owner.id);
      expect(await codes(t.url, DeleteFileDocument, { id: file.id }, editor.token)).toEqual(['FORBIDDEN']);
      expect(
        await codes(t.url, SetFileVisibilityDocument, { id: file.id, visibility: 'PUBLIC' }, editor.token),
      ).toEqual(['FORBIDDEN']);
      expect(
        await codes(t.url, ShareFileDocument, { fileId: file.id, userId: stranger.id, role: 'VIEWER' }, editor.token),
      ).toEqual(['FORBIDDEN']);
      expect(await codes(t.url, UnshareFileDocument, { fileId: file.id, userId: viewer.id }, editor.token)).toEqual([
        'FORBIDDEN',
      ]);
      const firstVersion = (await ok(t.url, FileDocument, { id: file.id }, owner.token)).file.versions.at(-1)!;
      expect(
        await codes(t.url, RestoreFileVersionDocument, { fileId: file.id, versionId: firstVersion.id }, viewer.token),
      ).toEqual(['FORBIDDEN']);
      expect(
        await codes(t.url, RestoreFileVersionDocument, { fileId: file.id, versionId: firstVersion.id }, stranger.token),
      ).toEqual(['NOT_FOUND']);
      expect(
        await codes(
          t.url,
          RestoreFileVersionDocument,
          { fileId: file.id, versionId: '0195f000-0000-7000-8000-0000000000ff' },
          editor.token,
        ),
      ).toEqual(['NOT_FOUND']);
      expect(
        (await ok(t.url, RestoreFileVersionDocument, { fileId: file.id, versionId: firstVersion.id }, editor.token))
          .restoreFileVersion.currentVersion?.number,
      ).toBe(1);

      const owned = (await ok(t.url, FileDocument, { id: file.id }, owner.token)).file;
      expect(owned.shares?.map((s) => [s.user!.username, s.role]).sort()).toEqual(
        [
          [editor.username, 'EDITOR'],
          [viewer.username, 'VIEWER'],
        ].sort(),
      );
      await ok(t.url, UnshareFileDocument, { fileId: file.id, userId: viewer.id }, owner.token);
      expect(await codes(t.url, FileDocument, { id: file.id }, viewer.token)).toEqual(['NOT_FOUND']);
      expect(
        await codes(
          t.url,
          ShareFileDocument,
          { fileId: file.id, userId: '0195f000-0000-7000-8000-0000000000ff', role: 'VIEWER' },
          owner.token,
        ),
      ).toEqual(['NOT_FOUND']);
    });
  });

  describe('storage totals', () => {
    it('are for admins', async () => {
      const [user, admin] = await Promise.all([signUp(t, 'drv'), signUp(t, 'adm')]);
      await upload(user, 'one.txt', Buffer.from('one'));
      expect(await codes(t.url, StorageTotalsDocument, {}, user.token)).toEqual(['FORBIDDEN']);
      await makeAdmin(t, admin.username);
      const { login } = await ok(t.url, LoginDocument, { input: { login: admin.username, password: admin.password } });
      const totals = (await ok(t.url, StorageTotalsDocument, {}, login.accessToken)).storageTotals;
      expect(totals.fileCount).toBeGreaterThanOrEqual(1);
      expect(totals.userCount).toBeGreaterThanOrEqual(1);
      expect(totals.usedBytes).toBeGreaterThanOrEqual(3);
    });
  });
});
