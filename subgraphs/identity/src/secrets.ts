import { createHash, randomBytes, randomInt } from 'node:crypto';
import argon2 from 'argon2';

/** OWASP's recommended argon2id parameters: 19 MiB, 2 passes. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => argon2.hash(password, ARGON2_OPTIONS);
export const verifyPassword = (hash: string, password: string) => argon2.verify(hash, password).catch(() => false);

/** A hash verified when the account does not exist, so a wrong username costs as long as a wrong password. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

/** Tokens handed to clients (refresh tokens, email links) are random; only their SHA-256 is stored. */
export const newToken = () => randomBytes(32).toString('base64url');
export const newCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
