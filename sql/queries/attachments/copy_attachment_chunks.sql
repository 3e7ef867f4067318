-- The chunks of one upload, streamed in as they arrive, in COPY's binary format
-- (src/db/attachments.ts writes it): the bytes travel as they are, not as hex text, so
-- the server builds no strings of them. Rows: attachment id, piece number from 0, bytes.
copy attachment_chunks (attachment_id, n, data) from stdin (format binary)
