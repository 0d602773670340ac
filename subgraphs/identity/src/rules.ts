import { badInput } from '@peerlink/platform/errors';
import { line, optionalText, prose, text } from '@peerlink/platform/text';

/** Input rules for accounts, pure so they are tested on their own. Each throws BAD_USER_INPUT. */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USERNAME = /^[a-z0-9_]{3,30}$/;
const PHONE = /^\+[1-9][0-9]{6,14}$/;
const RESERVED_USERNAMES = new Set([
  'admin',
  'administrator',
  'root',
  'system',
  'support',
  'peerlink',
  // The assistant's own account (contracts/src/assistant.ts): `@assistant` in a chat asks it.
  'assistant',
  'me',
  'settings',
  'api',
  'graphql',
]);
const COMMON_PASSWORDS = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  '1234567890',
  '12345678910',
  'qwertyuiop',
  'qwerty1234',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'admin12345',
  'abc1234567',
  '1q2w3e4r5t',
  'passw0rd12',
  'football12',
]);
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/**
 * Control characters (NUL above all, which Postgres refuses) have no place in any account field.
 * Tabs and line breaks are whitespace, which each field trims or collapses as it sees fit.
 */
export const hasControlCharacters = (value: string) => /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value);

function refuseControlCharacters(value: string, field: string) {
  if (hasControlCharacters(value)) throw badInput('Control characters are not allowed.', field);
}

export function normalizeEmail(value: string): string {
  refuseControlCharacters(value, 'email');
  const email = value.trim().toLowerCase();
  if (!email) throw badInput('Email is required.', 'email');
  if (email.length > 254 || !EMAIL.test(email)) throw badInput('That is not a valid email address.', 'email');
  return email;
}

export function normalizeUsername(value: string): string {
  const username = value.trim().toLowerCase();
  if (!USERNAME.test(username)) {
    throw badInput('Usernames are 3 to 30 characters: letters, digits and underscores.', 'username');
  }
  if (RESERVED_USERNAMES.has(username)) throw badInput('That username is reserved.', 'username');
  return username;
}

const DISPLAY_NAME = line('Display name', 60);
const BIO = prose('Bio', 500);

export const normalizeDisplayName = (value: string): string => text(value, 'displayName', DISPLAY_NAME);

export const normalizeBio = (value: string | null | undefined): string | null => optionalText(value, 'bio', BIO);

export function normalizeAvatarUrl(value: string | null | undefined): string | null {
  if (value) refuseControlCharacters(value, 'avatarUrl');
  const url = value?.trim() ?? '';
  if (!url) return null;
  if (url.length > 2048 || !/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw badInput('Avatar URL must be an http(s) URL.', 'avatarUrl');
  }
  return url;
}

export function normalizePhone(value: string): string {
  const phone = value.replace(/[\s().-]/g, '');
  if (!PHONE.test(phone)) throw badInput('Phone numbers are in international format, e.g. +15551234567.', 'phone');
  return phone;
}

/** Length and a blocklist (as NIST SP 800-63B advises) rather than character-class rules. */
export function checkPassword(
  password: string,
  personal: { username?: string; email?: string },
  field = 'password',
): void {
  if (password.includes('\u0000')) throw badInput('Passwords cannot contain NUL characters.', field);
  if (password.length < PASSWORD_MIN) throw badInput(`Passwords are at least ${PASSWORD_MIN} characters.`, field);
  if (password.length > PASSWORD_MAX) throw badInput(`Passwords are at most ${PASSWORD_MAX} characters.`, field);
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password))
    throw badInput('That password is too easy to guess.', field);
  const emailName = personal.email?.split('@')[0];
  if (
    (personal.username && lower.includes(personal.username)) ||
    (emailName && emailName.length >= 4 && lower.includes(emailName))
  ) {
    throw badInput('Passwords must not contain your username or email.', field);
  }
}
