// Authentication by API key: one indexed lookup of the key's SHA-256, cached for at most
// one second so a rotated key or a deactivated user stops working within a second on
// every instance (and at once on the instance that made the change).
import type { IncomingHttpHeaders } from 'node:http';
import { type Sql } from '../db/index.ts';
import { findActorByKeyHash } from '../db/users.ts';
import type { Clock } from '../clock.ts';
import { type Actor, hashApiKey } from '../users/keys.ts';

export type AuthMode = 'public' | 'key' | 'bootstrap';

export interface Authenticator {
  authenticate(key: string): Promise<Actor | null>;
  forgetUser(userId: string): void;
}

export function extractKey(headers: IncomingHttpHeaders): string | undefined {
  const key = headers['x-api-key'];
  if (typeof key === 'string' && key !== '') return key;
  const authz = headers.authorization;
  const m = typeof authz === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authz) : null;
  return m ? m[1] : undefined;
}

const MAX_ENTRIES = 10_000;

/** `ttlMs`: how long a key's answer is trusted without asking the database (API.md: at most a second). */
export function createAuthenticator(db: Sql, clock: Clock, ttlMs = 1000): Authenticator {
  const cache = new Map<string, { actor: Actor; expires: number }>();
  return {
    async authenticate(key) {
      if (key.length > 256) return null;
      const hash = hashApiKey(key);
      const id = hash.toString('base64');
      const now = clock.now();
      const hit = cache.get(id);
      if (hit && hit.expires > now) return hit.actor;
      const actor = await findActorByKeyHash(db, hash);
      if (!actor) {
        cache.delete(id);
        return null;
      }
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(id, { actor, expires: now + ttlMs });
      return actor;
    },
    forgetUser(userId) {
      for (const [id, entry] of cache) if (entry.actor.id === userId) cache.delete(id);
    },
  };
}
