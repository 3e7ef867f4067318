// HTTP handlers for attachments. The upload streams its body (the file) into the
// workflow (src/attachments/actions.ts); the download streams the bytes back with the
// headers that keep a file a file in a browser (nosniff, a sandbox CSP, attachment
// disposition but for four image types), and RFC 9110's ETag, If-None-Match and Range.
import crypto from 'node:crypto';
import * as v from 'valibot';
import { type AttachmentRow } from '../db/attachments.ts';
import { addAttachment, checkAttach, findAttachment, listAttachments, readAttachment } from '../attachments/actions.ts';
import { incomingFile } from '../attachments/file.ts';
import { mediaType, UploadQuery, type UploadInput } from '../attachments/schemas.ts';
import { AppError, fail } from '../errors.ts';
import { findRequest } from '../requests/actions.ts';
import { actorOf, auditMeta, type Ctx, header, json, noQuery, page, pageQuery, type Res } from './context.ts';
import { idempotent } from './idempotency.ts';
import { byteRange, contentDisposition, noneMatch } from './ranges.ts';

export const attachmentView = (a: AttachmentRow) => ({
  id: a.id, request_id: a.request_id, filename: a.filename, content_type: a.content_type, size: a.size,
  sha256: a.sha256, internal: a.internal, uploaded_by: { id: a.uploaded_by, full_name: a.uploaded_by_name },
  created_at: a.created_at,
});

/** `filename` and `internal`: another or a repeated parameter is 400, a bad value 422 (API.md). */
function uploadQuery(ctx: Ctx): Omit<UploadInput, 'content_type'> {
  const q: Record<string, string> = {};
  for (const [key, value] of ctx.query) {
    if (key in q) fail('invalid_query', `query parameter ${key} is given more than once`, [{ path: key, message: 'is given more than once' }]);
    if (key !== 'filename' && key !== 'internal') fail('invalid_query', 'the upload takes only filename and internal', [{ path: key, message: 'is not a known parameter' }]);
    q[key] = value;
  }
  const result = v.safeParse(UploadQuery, q, { abortPipeEarly: true });
  if (result.success) return result.output;
  const errors = result.issues.map((i) => ({ path: v.getDotPath(i) ?? '', message: i.received === 'undefined' ? 'is required' : i.message }));
  throw new AppError('validation_failed', `the query failed validation: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
}

/** What the headers already tell: a declared length past the limit (413 before a byte is read), or no body at all (422). */
function checkLength(ctx: Ctx, limit: number): void {
  const length = header(ctx, 'content-length');
  if (length !== undefined && Number(length) > limit) throw new AppError('payload_too_large', `the file is larger than ${limit} bytes`);
  if (ctx.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0)) {
    fail('validation_failed', 'the file is empty', [{ path: 'body', message: 'must not be empty' }]);
  }
}

/** What an Idempotency-Key retry must repeat: the file (by its sha256) and what was said of it. */
const uploadHash = (input: UploadInput, sha256: string) =>
  crypto.createHash('sha256').update(JSON.stringify([input.filename, input.internal, input.content_type, sha256])).digest('hex');

/** POST /requests/:ref/attachments — the raw file as the body; the Idempotency-Key's scope is the request found. */
export async function postRequestAttachments(ctx: Ctx) {
  const actor = actorOf(ctx);
  const input: UploadInput = { ...uploadQuery(ctx), content_type: mediaType(header(ctx, 'content-type')) };
  const limit = ctx.services.config.ATTACHMENT_LIMIT;
  checkLength(ctx, limit);
  const r = await findRequest(ctx.services.db, actor, ctx.params.ref);
  checkAttach(actor, input);
  const file = incomingFile(ctx.stream!, limit);
  const streamed = { digest: () => uploadHash(input, file.sha256()), skip: async () => uploadHash(input, await file.drain()) };
  return idempotent(ctx, { entity: r.id, transaction: true, streamed }, async (tx) => {
    const a = await addAttachment(tx, actor, r, input, file, auditMeta(ctx));
    return json(201, attachmentView(a), { Location: `/attachments/${a.id}` });
  });
}

/** GET /requests/:ref/attachments — newest first. */
export async function getRequestAttachments(ctx: Ctx) {
  const { limit, after } = pageQuery(ctx);
  const rows = await listAttachments(ctx.services.db, actorOf(ctx), ctx.params.ref, { after, limit: limit + 1 });
  return json(200, page(rows, limit, attachmentView));
}

/** GET /attachments/:id (and HEAD) — the exact bytes, whole or one Range. */
export async function getAttachment(ctx: Ctx): Promise<Res> {
  noQuery(ctx);
  const a = await findAttachment(ctx.services.db, actorOf(ctx), ctx.params.id);
  const etag = `"${a.sha256}"`;
  const headers: Record<string, string> = {
    ETag: etag,
    'Accept-Ranges': 'bytes',
    'Content-Disposition': contentDisposition(a.filename, a.content_type),
    // Even a file opened as a page (HTML, SVG) runs no script and reaches no origin.
    'Content-Security-Policy': 'sandbox',
    'X-Content-Type-Options': 'nosniff',
  };
  if (noneMatch(header(ctx, 'if-none-match'), etag)) return { status: 304, headers };
  const range = byteRange(header(ctx, 'range'), header(ctx, 'if-range'), etag, a.size);
  const [first, last] = range ?? [0, a.size - 1];
  if (range) headers['Content-Range'] = `bytes ${first}-${last}/${a.size}`;
  return {
    status: range ? 206 : 200,
    headers,
    bytes: { contentType: a.content_type, length: last - first + 1, body: () => readAttachment(ctx.services.db, a, first, last) },
  };
}
