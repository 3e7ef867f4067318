// One typed function per statement in sql/queries/attachments.
import { copyIn, one, query, type Tx } from './index.ts';
import type { Audit } from './users.ts';

/** An attachment without its bytes. */
export interface AttachmentRow {
  seq: string; id: string; request_id: string; uploaded_by: string; uploaded_by_name: string; filename: string;
  content_type: string; size: number; sha256: string; internal: boolean; chunk_size: number; created_at: Date;
}

export type NewAttachment = Omit<AttachmentRow, 'seq' | 'uploaded_by_name' | 'created_at'>;

// COPY's binary format: a signature, flags and header extension length (both 0); then
// per row the field count and each field as its length and bytes; then -1 (PostgreSQL
// docs, "COPY", "Binary Format").
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);

export interface ChunkWriter {
  /** Sends chunk `n`; resolves once the socket has taken it, so an upload is read only as fast as it is stored. */
  write(n: number, data: Buffer): Promise<void>;
  /**
   * Ends the COPY, then runs `next`, the transaction's next statement, and resolves with
   * its result once PostgreSQL has stored the chunks too. If PostgreSQL refused them, the
   * driver drops that error (it comes after the end of the COPY) and never reports the
   * COPY done; `next` then fails in the aborted transaction, so this rejects instead of
   * waiting for ever.
   */
  endThen<T>(next: () => Promise<T>): Promise<T>;
  /** Stops the COPY (CopyFail): the transaction has failed and must roll back. */
  abort(): void;
}

/** The chunks of attachment `id`, written with one COPY in transaction `tx` (sql/queries/attachments/copy_attachment_chunks.sql). */
export async function copyAttachmentChunks(tx: Tx, id: string): Promise<ChunkWriter> {
  await query(tx, 'attachments/set_upload_timeout');
  const stream = await copyIn(tx, 'attachments/copy_attachment_chunks');
  stream.on('error', () => {}); // each write or end that meets it reports it
  const uuid = Buffer.from(id.replace(/-/g, ''), 'hex');
  const send = (b: Buffer) => new Promise<void>((resolve, reject) => { stream.write(b, (err) => (err ? reject(err) : resolve())); });
  stream.write(COPY_HEADER);
  return {
    write(n, data) {
      const row = Buffer.alloc(34);
      row.writeInt16BE(3, 0);
      row.writeInt32BE(16, 2);
      uuid.copy(row, 6);
      row.writeInt32BE(4, 22);
      row.writeInt32BE(n, 26);
      row.writeInt32BE(data.length, 30);
      stream.write(row);
      return send(data);
    },
    async endThen(next) {
      await send(COPY_TRAILER);
      const stored = new Promise<void>((resolve) => { stream.end(() => resolve()); });
      // The driver leaves COPY mode (and takes statements again) as the stream ends.
      await new Promise((resolve) => setImmediate(resolve));
      return (await Promise.all([next(), stored]))[0];
    },
    abort() {
      stream.destroy(new Error('the upload was abandoned'));
    },
  };
}

export const insertAttachment = (db: Tx, a: NewAttachment, audit: Audit) =>
  one<AttachmentRow>(db, 'attachments/insert_attachment', [
    a.id, a.request_id, a.uploaded_by, a.filename, a.content_type, a.size, a.sha256, a.internal, a.chunk_size, ...audit,
  ]);

export const getAttachment = (db: Tx, id: string) => one<AttachmentRow>(db, 'attachments/get_attachment', [id]);

export const listAttachments = (db: Tx, requestId: string, o: { internal: boolean; after: string | null; limit: number }) =>
  query<AttachmentRow>(db, 'attachments/list_attachments', [requestId, o.internal, o.after, o.limit]);

/** `length` bytes of chunk `n`, from byte `offset` of that chunk. */
export const readAttachmentChunk = async (db: Tx, attachmentId: string, n: number, offset: number, length: number) =>
  (await one<{ data: Buffer }>(db, 'attachments/read_attachment_chunk', [attachmentId, n, offset, length]))?.data;
