// One typed function per statement in sql/queries/attachments.
import { one, query, type Tx } from './index.ts';
import type { Audit } from './users.ts';

/** An attachment without its bytes. */
export interface AttachmentRow {
  seq: string; id: string; request_id: string; uploaded_by: string; uploaded_by_name: string; filename: string;
  content_type: string; size: number; sha256: string; internal: boolean; chunk_size: number; created_at: Date;
}

export type NewAttachment = Omit<AttachmentRow, 'seq' | 'uploaded_by_name' | 'created_at'>;

export const insertAttachmentChunk = (db: Tx, attachmentId: string, n: number, data: Buffer) =>
  query(db, 'attachments/insert_attachment_chunk', [attachmentId, n, data]);

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
