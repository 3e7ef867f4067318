-- One piece of an upload, written as it arrives, before the attachments row that
-- describes the file (the foreign key is checked at commit: 0005_attachments.sql).
-- $1 attachment id, $2 piece number from 0, $3 the bytes.
insert into attachment_chunks (attachment_id, n, data)
values ($1, $2, $3)
