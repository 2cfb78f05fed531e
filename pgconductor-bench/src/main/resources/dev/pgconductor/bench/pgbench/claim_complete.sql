-- Scenario 3 bound: claim :claim ready jobs (SKIP LOCKED, in priority/run_at/id order) in one
-- transaction, then complete them (delete) in a second one.
with c as (
  select id from raw_jobs
  where locked_by is null and run_at <= now()
  order by priority desc, run_at, id
  limit :claim
  for update skip locked
), u as (
  update raw_jobs j set locked_by = :client_id + 1, locked_at = now(), attempts = j.attempts + 1
  from c where j.id = c.id
  returning j.id
)
select coalesce(array_agg(id), '{}')::text as ids from u
\gset
delete from raw_jobs where id = any (:ids::bigint[]);
