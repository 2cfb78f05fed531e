-- Scenario 5 bound: claim :claim ready jobs as in claim_complete.sql, record two steps for each
-- (one insert of :claim step rows per step, each its own durable commit, as a step must be
-- stored before the code after it runs), then complete them (delete the jobs and their steps in
-- one transaction). The fewest commits a 2-step job allows: every job of the claim shares them.
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
insert into raw_steps (job_id, name, result)
select id, 'first', to_jsonb(id + 1) from unnest(:ids::bigint[]) id;
insert into raw_steps (job_id, name, result)
select id, 'second', to_jsonb(id + 2) from unnest(:ids::bigint[]) id;
begin;
delete from raw_steps where job_id = any (:ids::bigint[]);
delete from raw_jobs where id = any (:ids::bigint[]);
commit;
