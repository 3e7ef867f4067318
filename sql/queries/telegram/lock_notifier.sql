-- The notifier's cursor, locked for its transaction; no row while another instance holds it.
select after_xid::text, after_seq::text from telegram_notifier where id for update skip locked
