-- The position of the newest event a reader may see now (a live stream starts after it).
select xid::text, seq::text
from events
where xid < pg_snapshot_xmin(pg_current_snapshot())
order by events.xid desc, events.seq desc  -- the columns, not the text of the select list
limit 1
