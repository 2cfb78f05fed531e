-- The raw-SQL bound's queue table: the columns a job queue needs (payload, priority, run_at,
-- attempts, lock owner) and one partial index for the claim, nothing else.
create table raw_jobs (
  id         bigint generated always as identity primary key,
  queue      text not null default 'default',
  task       text not null default 'noop',
  payload    jsonb not null default '{}',
  priority   int not null default 0,
  run_at     timestamptz not null default now(),
  attempts   int not null default 0,
  locked_by  int,
  locked_at  timestamptz,
  created_at timestamptz not null default now()
);
create index raw_jobs_claim_idx on raw_jobs (priority desc, run_at, id) where locked_by is null;

-- Step results of scenario 5's bound: one row per step, found by its job.
create table raw_steps (
  job_id     bigint not null,
  name       text not null,
  result     jsonb not null,
  created_at timestamptz not null default now(),
  primary key (job_id, name)
);
