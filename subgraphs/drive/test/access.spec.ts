import { describe, expect, it } from 'vitest';
import { canEdit, canRead, checkMimeType, checkName } from '#src/access';

const owner = 'owner';
const file = (visibility: 'PRIVATE' | 'PUBLIC' | 'RESTRICTED', deletedAt: Date | null = null) => ({
  ownerId: owner,
  visibility,
  deletedAt,
});

describe('canRead', () => {
  it('lets the owner and admins read anything', () => {
    for (const visibility of ['PRIVATE', 'PUBLIC', 'RESTRICTED'] as const) {
      expect(canRead(file(visibility), owner, null)).toBe(true);
      expect(canRead(file(visibility), 'admin', null, true)).toBe(true);
    }
  });

  it('keeps PRIVATE files to the owner, even from people they were once shared with', () => {
    expect(canRead(file('PRIVATE'), 'someone', null)).toBe(false);
    expect(canRead(file('PRIVATE'), 'someone', 'EDITOR')).toBe(false);
    expect(canRead(file('PRIVATE'), null, null)).toBe(false);
  });

  it('opens PUBLIC files to anyone and RESTRICTED ones to those they are shared with', () => {
    expect(canRead(file('PUBLIC'), null, null)).toBe(true);
    expect(canRead(file('RESTRICTED'), 'someone', null)).toBe(false);
    expect(canRead(file('RESTRICTED'), 'someone', 'VIEWER')).toBe(true);
  });

  it('keeps a file in the trash to its owner, whatever its visibility, shares or the reader’s role', () => {
    const trashedAt = new Date();
    for (const visibility of ['PRIVATE', 'PUBLIC', 'RESTRICTED'] as const) {
      expect(canRead(file(visibility, trashedAt), owner, null)).toBe(true);
      expect(canRead(file(visibility, trashedAt), 'someone', 'EDITOR')).toBe(false);
      expect(canRead(file(visibility, trashedAt), 'admin', null, true)).toBe(false);
      expect(canRead(file(visibility, trashedAt), null, null)).toBe(false);
    }
  });
});

describe('canEdit', () => {
  it('lets the owner and, unless the file is private, editors upload versions', () => {
    expect(canEdit(file('PRIVATE'), owner, null)).toBe(true);
    expect(canEdit(file('RESTRICTED'), 'someone', 'EDITOR')).toBe(true);
    expect(canEdit(file('RESTRICTED'), 'someone', 'VIEWER')).toBe(false);
    expect(canEdit(file('PUBLIC'), 'someone', null)).toBe(false);
    expect(canEdit(file('PRIVATE'), 'someone', 'EDITOR')).toBe(false);
  });

  it('lets nobody edit a file in the trash, not even its owner, until it is restored', () => {
    expect(canEdit(file('PRIVATE', new Date()), owner, null)).toBe(false);
    expect(canEdit(file('RESTRICTED', new Date()), 'someone', 'EDITOR')).toBe(false);
  });
});

describe('checkName and checkMimeType', () => {
  it('accept ordinary names and refuse empty, long, path-like or control-character ones', () => {
    expect(checkName('  Report 2026 (final).pdf ')).toBe('Report 2026 (final).pdf');
    expect(checkName('résumé.docx')).toBe('résumé.docx');
    expect(checkName('   ')).toBeNull();
    expect(checkName('x'.repeat(256))).toBeNull();
    expect(checkName('../etc/passwd')).toBeNull();
    expect(checkName('invoice\u202Egnp.exe')).toBeNull();
    expect(checkName('😀'.repeat(255))).toBe('😀'.repeat(255));
    expect(checkName('two  spaces.txt')).toBe('two  spaces.txt');
    expect(checkName('a\\b')).toBeNull();
    expect(checkName('bell\u0007')).toBeNull();
  });

  it('normalises MIME types and refuses malformed and executable ones', () => {
    expect(checkMimeType(' Image/PNG ')).toEqual({ ok: true, mimeType: 'image/png' });
    expect(checkMimeType('application/vnd.openxmlformats-officedocument.wordprocessingml.document').ok).toBe(true);
    expect(checkMimeType('text')).toEqual({ ok: false, message: 'That is not a MIME type.' });
    expect(checkMimeType('text/plain; charset=utf-8').ok).toBe(false);
    expect(checkMimeType('application/x-msdownload')).toEqual({
      ok: false,
      message: 'Files of this type cannot be stored.',
    });
  });
});
