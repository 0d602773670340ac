import { checkText, line } from '@peerlink/platform/text';

/** Who may do what with a file. Pure rules, one place. */

export type FileVisibilityName = 'PRIVATE' | 'PUBLIC' | 'RESTRICTED';
export type ShareRoleName = 'VIEWER' | 'EDITOR';

export interface FileFacts {
  ownerId: string;
  visibility: FileVisibilityName;
  /** In the trash: its shares and grants wait, unused, for a restore. */
  deletedAt: Date | null;
}

/**
 * PRIVATE: the owner. PUBLIC: anyone. RESTRICTED: the owner and those it is shared with. Admins see
 * all. A file in the trash: its owner only.
 */
export function canRead(file: FileFacts, viewerId: string | null, share: ShareRoleName | null, admin = false): boolean {
  if (file.ownerId === viewerId) return true;
  if (file.deletedAt) return false;
  if (admin) return true;
  if (file.visibility === 'PUBLIC') return true;
  return file.visibility === 'RESTRICTED' && share !== null;
}

/** The owner and editors upload new versions and restore old ones; nobody while it is in the trash. */
export function canEdit(file: FileFacts, viewerId: string | null, share: ShareRoleName | null): boolean {
  if (file.deletedAt) return false;
  return file.ownerId === viewerId || (file.visibility !== 'PRIVATE' && share === 'EDITOR');
}

export const MAX_NAME_LENGTH = 255;

const FILE_NAME = line('A file name', MAX_NAME_LENGTH);

/**
 * File names: trimmed but otherwise kept as given (inner spaces included), 1 to 255 characters,
 * no path separators, and nothing that reorders the name ("gnp.exe" shown as "exe.png").
 */
export function checkName(input: string): string | null {
  const name = input.trim();
  if (checkText(name, FILE_NAME) || /[/\\]/.test(name)) return null;
  return name;
}

/** Types that are refused outright: programs a browser or OS might run straight from a download. */
const DENIED_TYPES = new Set([
  'application/x-msdownload',
  'application/x-msdos-program',
  'application/x-dosexec',
  'application/vnd.microsoft.portable-executable',
  'application/x-sh',
  'application/x-csh',
  'application/x-executable',
]);

export function checkMimeType(input: string): { ok: true; mimeType: string } | { ok: false; message: string } {
  const mimeType = input.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(mimeType))
    return { ok: false, message: 'That is not a MIME type.' };
  if (DENIED_TYPES.has(mimeType)) return { ok: false, message: 'Files of this type cannot be stored.' };
  return { ok: true, mimeType };
}
