-- Locks request $1's row until the transaction ends: the contended path of a change
-- (src/requests/actions.ts). Only the lock: the caller reads the row in its next
-- statement, whose snapshot is taken after the wait. (Read in this statement, through a
-- join, a row changed while we waited would come back as it was before: READ COMMITTED
-- re-reads only the locked row itself.)
select id from requests where id = $1 for no key update
