-- Moves the notifier's cursor to the event ($1 xid, $2 seq) it handled last.
update telegram_notifier set after_xid = $1::xid8, after_seq = $2 where id
