import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  normalizeAvatarUrl,
  normalizeBio,
  normalizeDisplayName,
  normalizeEmail,
  normalizePhone,
  normalizeUsername,
  PASSWORD_MAX,
  PASSWORD_MIN,
} from '#src/rules';

/** Runs `fn` and expects the BAD_USER_INPUT error every rule throws, naming `field`. */
function rejects(fn: () => unknown, field: string) {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected BAD_USER_INPUT').toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
}

describe('normalizeEmail', () => {
  it('trims and lowercases', () => {
    expect(normalizeEmail('  Ada.Lovelace+x@Example.COM ')).toBe('ada.lovelace+x@example.com');
  });

  it.each(['', '   ', 'ada', 'ada@', '@example.com', 'ada@example', 'ada lovelace@example.com', 'ada@@example.com'])(
    'rejects %j',
    (email) => rejects(() => normalizeEmail(email), 'email'),
  );

  it('rejects addresses longer than 254 characters', () => {
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(normalizeEmail(`${local}@${domain}`)).toHaveLength(254);
    rejects(() => normalizeEmail(`${local}a@${domain}`), 'email');
  });
});

describe('normalizeUsername', () => {
  it('trims and lowercases', () => {
    expect(normalizeUsername('  Ada_Lovelace1 ')).toBe('ada_lovelace1');
  });

  it('accepts 3 to 30 characters', () => {
    expect(normalizeUsername('abc')).toBe('abc');
    expect(normalizeUsername('a'.repeat(30))).toBe('a'.repeat(30));
  });

  it.each(['', 'ab', 'a'.repeat(31), 'ada lovelace', 'ada-lovelace', 'ada.l', 'ada@home', 'adá'])(
    'rejects %j',
    (username) => rejects(() => normalizeUsername(username), 'username'),
  );

  it.each(['admin', 'Root', ' SUPPORT ', 'graphql'])('rejects the reserved name %j', (username) =>
    rejects(() => normalizeUsername(username), 'username'),
  );
});

describe('normalizeDisplayName', () => {
  it('trims and collapses whitespace', () => {
    expect(normalizeDisplayName('  Ada \t  Lovelace\n')).toBe('Ada Lovelace');
  });

  it('allows 60 characters, counted after collapsing whitespace', () => {
    expect(normalizeDisplayName('x'.repeat(60))).toHaveLength(60);
    expect(normalizeDisplayName(`${'x'.repeat(30)}      ${'y'.repeat(29)}`)).toHaveLength(60);
    rejects(() => normalizeDisplayName('x'.repeat(61)), 'displayName');
  });

  it.each(['', '   ', '\n\t'])('rejects the blank name %j', (name) =>
    rejects(() => normalizeDisplayName(name), 'displayName'),
  );
});

describe('normalizeBio', () => {
  it('trims, and turns empty into null', () => {
    expect(normalizeBio('  Engines.  ')).toBe('Engines.');
    for (const empty of ['', '   ', null, undefined]) expect(normalizeBio(empty)).toBeNull();
  });

  it('allows 500 characters', () => {
    expect(normalizeBio('b'.repeat(500))).toHaveLength(500);
    rejects(() => normalizeBio('b'.repeat(501)), 'bio');
  });
});

describe('normalizeAvatarUrl', () => {
  it('keeps http(s) URLs, trimmed, and turns empty into null', () => {
    expect(normalizeAvatarUrl(' https://example.com/a.png ')).toBe('https://example.com/a.png');
    expect(normalizeAvatarUrl('HTTP://example.com/a.png')).toBe('HTTP://example.com/a.png');
    for (const empty of ['', '  ', null, undefined]) expect(normalizeAvatarUrl(empty)).toBeNull();
  });

  it.each([
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'ftp://example.com/a.png',
    '//example.com/a.png',
    'https://',
    'example.com/a.png',
  ])('rejects %j', (url) => rejects(() => normalizeAvatarUrl(url), 'avatarUrl'));

  it('rejects URLs longer than 2048 characters', () => {
    const base = 'https://example.com/';
    expect(normalizeAvatarUrl(base + 'a'.repeat(2048 - base.length))).toHaveLength(2048);
    rejects(() => normalizeAvatarUrl(base + 'a'.repeat(2049 - base.length)), 'avatarUrl');
  });
});

describe('normalizePhone', () => {
  it('strips spaces, dots, dashes and parentheses', () => {
    expect(normalizePhone('+1 (555) 010-0199')).toBe('+15550100199');
    expect(normalizePhone('+44.20.7946.0958')).toBe('+442079460958');
  });

  it('accepts 7 to 15 digits after the plus', () => {
    expect(normalizePhone('+1234567')).toBe('+1234567');
    expect(normalizePhone('+123456789012345')).toBe('+123456789012345');
  });

  it.each(['', '5550100199', '+', '+123456', '+1234567890123456', '+0555010019', '+1 555 O1OO', '++15550100199'])(
    'rejects %j',
    (phone) => rejects(() => normalizePhone(phone), 'phone'),
  );
});

describe('checkPassword', () => {
  const personal = { username: 'ada_l', email: 'lovelace@example.com' };

  it('accepts a long, unguessable password', () => {
    expect(() => checkPassword('correct horse battery staple', personal)).not.toThrow();
  });

  it(`needs ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, () => {
    expect(() => checkPassword('k'.repeat(PASSWORD_MIN - 1) + 'z', personal)).not.toThrow();
    expect(() => checkPassword('k'.repeat(PASSWORD_MAX - 1) + 'z', personal)).not.toThrow();
    rejects(() => checkPassword('k'.repeat(PASSWORD_MIN - 2) + 'z', personal), 'password');
    rejects(() => checkPassword('k'.repeat(PASSWORD_MAX) + 'z', personal), 'password');
  });

  it.each(['password123', 'PASSWORD123', 'QwertyUiop', 'aaaaaaaaaaaa', '0000000000'])(
    'rejects the guessable %j',
    (password) => rejects(() => checkPassword(password, personal), 'password'),
  );

  it('rejects a password containing the username or the email name, in any case', () => {
    rejects(() => checkPassword('my name is ADA_L ok', personal), 'password');
    rejects(() => checkPassword('Lovelace forever 1', personal), 'password');
  });

  it('ignores email names shorter than four characters, and missing personal facts', () => {
    expect(() => checkPassword('bob is a builder', { email: 'bob@example.com' })).not.toThrow();
    expect(() => checkPassword('anything long enough', {})).not.toThrow();
  });

  it('names the field it was asked to', () => {
    rejects(() => checkPassword('short', personal, 'newPassword'), 'newPassword');
  });
});
