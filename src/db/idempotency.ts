// One typed function per statement in sql/queries/idempotency.
import { one, query, type Tx } from './index.ts';

export type Scope = readonly [userId: string, method: string, route: string, key: string];
export interface Stored { request_hash: string; status: number; headers: Record<string, string>; body: unknown }

export const lockIdempotencyKey = async (db: Tx, scope: Scope) =>
  (await one<{ locked: boolean }>(db, 'idempotency/lock_idempotency_key', [...scope]))!.locked;

export const getIdempotencyKey = (db: Tx, scope: Scope) => one<Stored>(db, 'idempotency/get_idempotency_key', [...scope]);

export const saveIdempotencyKey = (db: Tx, scope: Scope, s: Stored) =>
  query(db, 'idempotency/save_idempotency_key', [...scope, s.request_hash, s.status, s.headers, s.body]);

export const purgeIdempotencyKeys = (db: Tx) => query(db, 'idempotency/purge_idempotency_keys');
