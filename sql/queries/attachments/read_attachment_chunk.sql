-- Bytes $3 .. $3 + $4 - 1 (from 0) of chunk $2 of an attachment: a whole chunk, or the
-- part of one that a Range asks for (the column is stored uncompressed, so PostgreSQL
-- reads only the slices it returns).
select substring(data from $3::integer + 1 for $4::integer) as data
from attachment_chunks
where attachment_id = $1 and n = $2
