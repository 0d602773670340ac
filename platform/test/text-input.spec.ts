import { describe, expect, it } from 'vitest';
import { textFault } from '@peerlink/platform/graphql/text-input';

describe('textFault', () => {
  it('refuses NUL, other control characters and DEL, but not tab, line feed or carriage return', () => {
    for (const c of ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u000E', '\u001F', '\u007F']) expect(textFault(`a${c}b`)).toBe('holds a control character');
    expect(textFault('a\tb\nc\r\nd')).toBeNull();
  });

  it('refuses half of a UTF-16 pair, at either end or alone, and keeps whole pairs', () => {
    for (const s of ['\uD83D', 'x\uD83Dy', '\uDE00', 'x\uDE00', '\uDE00\uD83D']) expect(textFault(s)).toBe('holds half of a Unicode character');
    expect(textFault('😀 日本語 עברית Ünïcödé')).toBeNull();
  });
});
