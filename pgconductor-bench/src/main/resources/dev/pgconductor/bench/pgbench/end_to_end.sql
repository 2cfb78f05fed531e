-- Scenario 4 bound: one round of a client. :claim jobs go in as scenario 4's producer sends them,
-- :batch per transaction (RawSqlBound writes the insert below :claim / :batch times), then one
-- transaction claims :claim ready jobs and a second completes (deletes) them. Several clients at
-- once, so a claim may take jobs another client inserted.
insert into raw_jobs (payload) select jsonb_build_object('n', g) from generate_series(1, :batch) g;
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
