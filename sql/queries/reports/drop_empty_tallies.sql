-- After a fold: the tallies that came to zero (request_tallies_empty).
delete from request_tallies where n = 0
