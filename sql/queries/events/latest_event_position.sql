-- The position of the newest event a reader may see now, below the horizon as in
-- list_events.sql (a live stream starts after it).
select xid::text, seq::text
from events
where xid < (select event_horizon())
order by events.xid desc, events.seq desc  -- the columns, not the text of the select list
limit 1
