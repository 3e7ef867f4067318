-- Raises 22023 (invalid_parameter_value) when PostgreSQL does not know time zone $1: the
-- due times of a policy are computed in it (src/db/sla.ts timeZoneKnown).
select (now() at time zone $1::text) is not null as known
