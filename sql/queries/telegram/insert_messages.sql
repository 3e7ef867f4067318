-- Queues Bot API calls, in the order given: $1 a JSON array of { chat_id, method, params,
-- event_id, request_id }. A notification reaches a chat at most once per event
-- (telegram_messages_once_per_event_chat): a second copy is dropped here. A request id that
-- names no request (a malformed event) is kept as null rather than failing the batch.
insert into telegram_messages (chat_id, method, params, event_id, request_id)
select (m->>'chat_id')::bigint, m->>'method', m->'params', (m->>'event_id')::uuid,
       (select r.id from requests r where r.id = (m->>'request_id')::uuid)
from jsonb_array_elements($1::jsonb) with ordinality as x(m, n)
order by n
on conflict (event_id, chat_id) do nothing
