import { describe, expect, it } from 'vitest';
import { characters, excerpt, line, optionalText, prose, text, textFault } from '@peerlink/platform/text';

describe('textFault', () => {
  it('refuses NUL, other control characters and DEL, but not tab, line feed or carriage return', () => {
    for (const c of ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u000E', '\u001F', '\u007F'])
      expect(textFault(`a${c}b`)).toBe('holds a control character');
    expect(textFault('a\tb\nc\r\nd')).toBeNull();
  });

  it('refuses half of a UTF-16 pair, at either end or alone, and keeps whole pairs', () => {
    for (const s of ['\uD83D', 'x\uD83Dy', '\uDE00', 'x\uDE00', '\uDE00\uD83D'])
      expect(textFault(s)).toBe('holds half of a Unicode character');
    expect(textFault('😀 日本語 עברית Ünïcödé')).toBeNull();
  });
});

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { code: (error as { extensions?: { code?: string } }).extensions?.code, message: (error as Error).message };
  }
  return null;
};

describe('text with a rule per field', () => {
  const title = line('A title', 10);
  const body = prose('A body', 20);

  it('makes a line one line: runs of whitespace, line breaks included, become one space', () => {
    expect(text('  Big \n\t sale  ', 'title', title)).toBe('Big sale');
  });

  it('keeps prose as written, line breaks and all, and trims its ends', () => {
    expect(text('\r\n one\r\n\r\ntwo  \n', 'body', body)).toBe('one\r\n\r\ntwo');
  });

  it('counts characters as people and Postgres do, so ten emoji fit a ten-character title and eleven do not', () => {
    expect(characters('😀'.repeat(10))).toBe(10);
    expect(text('😀'.repeat(10), 'title', title)).toBe('😀'.repeat(10));
    expect(codeOf(() => text('😀'.repeat(11), 'title', title))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'A title is at most 10 characters.',
    });
  });

  it('refuses an empty required field, and gives null for an empty optional one', () => {
    expect(codeOf(() => text('   ', 'title', title))?.message).toBe('A title is required.');
    expect(optionalText('  ', 'title', title)).toBeNull();
    expect(optionalText(undefined, 'title', title)).toBeNull();
    expect(optionalText(' a ', 'title', title)).toBe('a');
  });

  it('refuses characters that reorder text in a line, but leaves them to prose and lets right-to-left marks through', () => {
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(codeOf(() => text(`gnp${c}.exe`, 'title', title))?.code).toBe('BAD_USER_INPUT');
      expect(text(`a${c}b`, 'body', body)).toBe(`a${c}b`);
    }
    expect(text('שלום\u200F!', 'title', title)).toBe('שלום\u200F!');
  });

  it('refuses what is not text at all, in lines and prose alike', () => {
    expect(codeOf(() => text('a\u0000b', 'body', body))?.message).toBe('A body holds a control character.');
    expect(codeOf(() => text('a\uD83D', 'title', title))?.message).toBe('A title holds half of a Unicode character.');
  });
});

describe('excerpt', () => {
  it('gives one line, cut at a word with an ellipsis when long', () => {
    expect(excerpt('short')).toBe('short');
    expect(excerpt('one two three four five', 12)).toBe('one two…');
    expect(excerpt('a\n\nb')).toBe('a b');
  });

  it('never cuts an emoji in half', () => {
    const cut = excerpt('😀'.repeat(100), 10);
    expect(cut).toBe(`${'😀'.repeat(9)}…`);
    expect(textFault(cut)).toBeNull();
  });
});
