// Idempotency-Key on POST routes: the first response is stored in the same transaction as
// the change it describes, so a replay can never disagree with what was committed.
import crypto from 'node:crypto';
import type { Tx } from '../db/index.ts';
import { getIdempotencyKey, lockIdempotencyKey, saveIdempotencyKey, type Scope } from '../db/idempotency.ts';
import { fail } from '../errors.ts';
import { type Ctx, header, type Res } from './context.ts';

const KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * A body the handler streams itself (an upload): its hash is known only once it has been
 * read. `digest` is asked after `change` has read it; `skip` reads it without keeping it,
 * to compare a retry with the first call.
 */
export interface StreamedBody { digest(): string; skip(): Promise<string> }

/**
 * Runs `change`: without an Idempotency-Key as it is (a change of one statement needs no
 * transaction; `transaction` gives it one anyway); with an Idempotency-Key (and a known caller) the same
 * key and body replays the first response; another body is a conflict; a call while the
 * first still runs is refused. The scope is the caller, the method, the route pattern and
 * the entity the path resolved to (`entity`), so REQ-7, its UUID and the UUID in capitals
 * are one scope. `stored` may drop what must not be kept (a raw API key). `streamed`: the
 * body is not ctx.body but a stream the change reads (see StreamedBody).
 */
export async function idempotent(
  ctx: Ctx, opts: { entity?: string; stored?: (res: Res) => Res; transaction?: boolean; streamed?: StreamedBody },
  change: (tx: Tx) => Promise<Res>,
): Promise<Res> {
  const { db } = ctx.services;
  const key = header(ctx, 'idempotency-key');
  if (key === undefined || !ctx.actor) return opts.transaction ? db.begin(change) : change(db);
  if (!KEY.test(key)) {
    fail('validation_failed', 'Idempotency-Key must be 1..255 printable ASCII characters', [{ path: 'Idempotency-Key', message: 'must be 1..255 printable ASCII characters' }]);
  }
  const scope: Scope = [ctx.actor.id, ctx.method, opts.entity ? `${ctx.route} ${opts.entity}` : ctx.route, key];
  const { streamed } = opts;
  const bodyHash = streamed ? null : crypto.createHash('sha256').update(JSON.stringify(ctx.body ?? null)).digest('hex');
  return db.begin(async (tx) => {
    if (!(await lockIdempotencyKey(tx, scope))) {
      fail('idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed; retry later');
    }
    const previous = await getIdempotencyKey(tx, scope);
    if (previous) {
      if (previous.request_hash !== (bodyHash ?? (await streamed!.skip()))) {
        fail('idempotency_key_conflict', 'this Idempotency-Key was used with a different body');
      }
      return { status: previous.status, headers: { ...previous.headers, 'Idempotent-Replayed': 'true' }, body: previous.body };
    }
    const res = await change(tx);
    const keep = opts.stored ? opts.stored(res) : res;
    await saveIdempotencyKey(tx, scope, { request_hash: bodyHash ?? streamed!.digest(), status: keep.status, headers: keep.headers ?? {}, body: keep.raw ? JSON.parse(keep.raw.text) : keep.body ?? null });
    return res;
  });
}
