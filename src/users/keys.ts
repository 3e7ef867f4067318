// Roles and API keys: who a caller is, and how a key is made, stored and compared.
import crypto from 'node:crypto';

export const ROLES = ['ADMIN', 'AGENT', 'EMPLOYEE'] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as authentication found them: with the ids of the teams they belong to. */
export interface Actor { id: string; full_name: string; role: Role; teams: readonly string[] }

/** `sfk_` + 43 url-safe base64 characters: 256 random bits. */
export function newApiKey(): string {
  return `sfk_${crypto.randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): Buffer {
  return crypto.createHash('sha256').update(key, 'utf8').digest();
}

/** A new key, the hash that is stored and the last four characters that are shown. */
export function freshKey() {
  const key = newApiKey();
  return { key, keyHash: hashApiKey(key), last4: key.slice(-4) };
}

/** Constant-time comparison of two secrets of any length. */
export function secretEquals(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
