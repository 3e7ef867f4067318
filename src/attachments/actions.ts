// The attachment operations every way in calls (HTTP today; the chat bot next): add a
// file to a request, list a request's files, find one, read its bytes. Visibility is the
// request's (findRequest) and internal files follow internal notes (seesInternal), so
// what decides who sees a request decides who sees its files. No HTTP here.
import crypto from 'node:crypto';
import {
  type AttachmentRow, copyAttachmentChunks, getAttachment, insertAttachment, listAttachments as selectAttachments,
  readAttachmentChunk,
} from '../db/attachments.ts';
import type { Tx } from '../db/index.ts';
import type { RequestRow } from '../db/requests.ts';
import type { Audit } from '../db/users.ts';
import { AppError, fail } from '../errors.ts';
import { findRequest, type Page } from '../requests/actions.ts';
import { seesInternal } from '../requests/policy.ts';
import type { Actor } from '../users/keys.ts';
import { idOf } from '../validation.ts';
import type { IncomingFile } from './file.ts';
import type { UploadInput } from './schemas.ts';

/**
 * Bytes per stored chunk: about what one upload or download holds at a time (a download
 * reads it as hex text, twice the size). Each file records its own chunk size.
 */
export const CHUNK_SIZE = 256 * 1024;

/** Anyone who may see a request may attach files to it; internal ones only those who see internal notes. */
export function checkAttach(actor: Actor, input: Pick<UploadInput, 'internal'>): void {
  if (input.internal && !seesInternal(actor)) fail('forbidden', 'only agents and admins may attach internal files');
}

/**
 * Streams the file into `tx` chunk by chunk as it arrives (one COPY), then records it with its audit
 * row and attachment.created event. `tx` must be a transaction: the chunks, the row, the
 * audit row and the event commit together or not at all (an oversized or broken upload
 * leaves nothing behind).
 */
export async function addAttachment(
  tx: Tx, actor: Actor, request: RequestRow, input: UploadInput, file: IncomingFile, audit: Audit,
): Promise<AttachmentRow> {
  checkAttach(actor, input);
  const id = crypto.randomUUID();
  const chunks = await copyAttachmentChunks(tx, id);
  try {
    let n = 0;
    for await (const piece of file.pieces(CHUNK_SIZE)) await chunks.write(n++, piece);
    if (file.size === 0) fail('validation_failed', 'the file is empty', [{ path: 'body', message: 'must not be empty' }]);
  } catch (err) {
    chunks.abort();
    throw err;
  }
  return (await chunks.endThen(() => insertAttachment(tx, {
    id, request_id: request.id, uploaded_by: actor.id, filename: input.filename, content_type: input.content_type,
    size: file.size, sha256: file.sha256(), internal: input.internal, chunk_size: CHUNK_SIZE,
  }, audit)))!;
}

/** Newest first; employees never see internal files. */
export async function listAttachments(db: Tx, actor: Actor, ref: string, page: Page): Promise<AttachmentRow[]> {
  const r = await findRequest(db, actor, ref);
  return selectAttachments(db, r.id, { internal: seesInternal(actor), ...page });
}

/** The attachment `ref` names, or 404 when it is missing, internal for this actor, or on a request they may not see. */
export async function findAttachment(db: Tx, actor: Actor, ref: string): Promise<AttachmentRow> {
  const id = idOf(ref);
  const a = id ? await getAttachment(db, id) : undefined;
  const missing = new AppError('not_found', `no attachment ${ref}`);
  if (!a || (a.internal && !seesInternal(actor))) throw missing;
  await findRequest(db, actor, a.request_id).catch((err) => {
    throw err instanceof AppError && err.code === 'not_found' ? missing : err;
  });
  return a;
}

/**
 * Bytes first..last (inclusive, from 0) of the file: one short statement per chunk, read
 * only when the one before has been taken, so a slow reader holds no connection and the
 * server holds one chunk.
 */
export async function* readAttachment(db: Tx, a: AttachmentRow, first: number, last: number): AsyncGenerator<Buffer> {
  for (let n = Math.floor(first / a.chunk_size); n <= Math.floor(last / a.chunk_size); n++) {
    const from = Math.max(first - n * a.chunk_size, 0);
    const to = Math.min(last - n * a.chunk_size, a.chunk_size - 1);
    const data = await readAttachmentChunk(db, a.id, n, from, to - from + 1);
    if (!data || data.length !== to - from + 1) throw new Error(`attachment ${a.id}: chunk ${n} is missing or short`);
    yield data;
  }
}
