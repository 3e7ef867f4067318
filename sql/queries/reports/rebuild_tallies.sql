-- make rebuild-tallies: every tally counted afresh from the requests (migration 0022).
select request_tallies_rebuild() as written
