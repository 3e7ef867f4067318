-- Where event $1 stands in the (xid, seq) order (Last-Event-ID resumes after it).
select xid::text, seq::text from events where id = $1
