-- pgconductor core schema: executions (the hot table, one partition per queue), the finished
-- executions they move to, orchestrators with heartbeats, registered tasks, and the set-based
-- functions that change execution state. Every function takes whole batches as arrays.

-- Orchestrators register here and heartbeat with the database clock; a stale row means the
-- process is gone and whatever it held is released.
create table pgconductor.orchestrators (
  id                uuid primary key,
  host              text not null,
  pid               bigint not null,
  started_at        timestamptz not null default now(),
  last_heartbeat_at timestamptz not null default now()
);

-- Tasks as registered by the orchestrators that serve them (last writer wins).
create table pgconductor.tasks (
  key          text primary key,
  queue        text not null,
  max_attempts int not null check (max_attempts >= 1),
  invocable    boolean not null,
  updated_at   timestamptz not null default now()
);

-- Queues that have their own partition of pgconductor.executions.
create table pgconductor.queues (
  name       text primary key,
  partition  text not null unique,
  created_at timestamptz not null default now()
);

-- Executions not yet finished. Kept narrow: finished rows move to finished_executions.
-- lease is bumped by every claim; every write a worker makes is conditioned on (locked_by, lease).
create table pgconductor.executions (
  id               uuid not null,
  queue            text not null,
  task_key         text not null,
  payload          jsonb,
  priority         int not null default 0,
  run_at           timestamptz not null,
  attempts         int not null default 0,
  lease            int not null default 0,
  locked_by        uuid,
  locked_at        timestamptz,
  dedupe_key       text,
  parent_id        uuid,
  last_error       text,
  last_error_stack text,
  -- why a started execution is not running: 'sleep', 'child', 'woken' once the child it waits
  -- for finished (V002), 'released' when it was handed back after its handler ran (a stop);
  -- cleared by a claim. Null on a pending execution that never started.
  wait_kind        text,
  cancel_reason    text, -- set when cancellation of a running execution was requested (V002)
  created_at       timestamptz not null default now(),
  primary key (id, queue)
) partition by list (queue);

create table pgconductor.executions_default partition of pgconductor.executions default;

-- The claim scan: ready rows of one partition in priority, run_at, id order.
create index executions_claim_idx on pgconductor.executions (priority desc, run_at, id)
  where locked_by is null;

-- Dedupe: one not-yet-started execution per (task, queue, key). Not started: no attempt made or
-- under way, and not released after its handler ran.
create unique index executions_dedupe_idx on pgconductor.executions (task_key, dedupe_key, queue)
  where dedupe_key is not null and attempts = 0 and locked_by is null and wait_kind is null;

-- Workers that found their queue empty and sleep until notified. NOTIFY serializes commits
-- (it takes a cluster-wide lock at commit), so invokes notify only when a worker of the queue
-- is listed here; busy workers claim again on their own. Unlogged: it is rebuilt as workers run.
create unlogged table pgconductor.idle_workers (
  orchestrator uuid not null,
  queue        text not null,
  since        timestamptz not null default now(),
  primary key (queue, orchestrator)
);

-- Marks (p_idle) or unmarks a worker as asleep on its empty queue.
create function pgconductor.set_idle(p_orchestrator uuid, p_queue text, p_idle boolean) returns void
language plpgsql as $$
begin
  if p_idle then
    insert into pgconductor.idle_workers (orchestrator, queue) values (p_orchestrator, p_queue)
    on conflict do nothing;
  else
    delete from pgconductor.idle_workers where orchestrator = p_orchestrator and queue = p_queue;
  end if;
end $$;

-- Tells the sleeping workers of each queue in p_queues that work is ready there: one NOTIFY per
-- queue with a worker listed in idle_workers. Returns the queues that had none listed.
--
-- Called inside the transaction that made the work ready, a check can miss a worker that lists
-- itself after the check and claims (finding nothing: the work is not committed yet) before the
-- commit; that worker would sleep until its next poll. A transaction that runs long after its
-- check, a flush, therefore calls this again after its commit for the queues it returned: a worker
-- asleep by then listed itself before that second check, and one that claimed after the commit
-- found the work. Invokes are single statements that check last, so their window is the commit.
create function pgconductor.notify_ready(p_queues text[]) returns text[]
language plpgsql as $$
declare
  v_idle     text[];
  v_unlisted text[];
begin
  select coalesce(array_agg(q.name) filter (where q.idle), '{}'),
         coalesce(array_agg(q.name) filter (where not q.idle), '{}')
    into v_idle, v_unlisted
  from (select d.name,
               exists (select 1 from pgconductor.idle_workers w where w.queue = d.name) as idle
        from (select distinct unnest(p_queues) as name) d
        where d.name is not null) q;
  perform pg_notify('pgconductor', n) from unnest(v_idle) n;
  return v_unlisted;
end $$;

-- Finished executions: completed, failed (after the last attempt) or cancelled.
create table pgconductor.finished_executions (
  id               uuid primary key,
  queue            text not null,
  task_key         text not null,
  state            text not null check (state in ('completed', 'failed', 'cancelled')),
  payload          jsonb,
  result           jsonb,
  priority         int not null,
  attempts         int not null,
  dedupe_key       text,
  parent_id        uuid,
  last_error       text,
  last_error_stack text,
  created_at       timestamptz not null,
  started_at       timestamptz,
  finished_at      timestamptz not null default now()
);

-- No index on finished_at yet: every index here is paid on every completion, and retention will
-- come with time partitions of this table rather than a scan by date.

-- Gives a queue its own partition, moving rows that were waiting in the default partition.
create function pgconductor.ensure_queue(p_queue text) returns void
language plpgsql as $$
declare
  v_partition text;
begin
  if exists (select 1 from pgconductor.queues where name = p_queue) then
    return;
  end if;
  perform pg_advisory_xact_lock(hashtext('pgconductor.ensure_queue'));
  if exists (select 1 from pgconductor.queues where name = p_queue) then
    return;
  end if;
  v_partition := 'executions_q_'
    || left(regexp_replace(lower(p_queue), '[^a-z0-9_]', '_', 'g'), 32)
    || '_' || left(md5(p_queue), 8);
  create temporary table pgconductor_moving on commit drop as
    select * from pgconductor.executions_default where queue = p_queue;
  delete from pgconductor.executions_default where queue = p_queue;
  execute format('create table pgconductor.%I partition of pgconductor.executions for values in (%L)',
                 v_partition, p_queue);
  insert into pgconductor.executions select * from pgconductor_moving;
  drop table pgconductor_moving;
  insert into pgconductor.queues (name, partition) values (p_queue, v_partition);
end $$;

select pgconductor.ensure_queue('default');

-- Backoff before the next attempt, after `attempts` attempts were made: 15 s, 30 s, then 60 s.
create function pgconductor.retry_delay(attempts int) returns interval
language sql immutable as $$
  select case when attempts <= 1 then interval '15 seconds'
              when attempts = 2 then interval '30 seconds'
              else interval '60 seconds' end
$$;

-- Stores a batch of executions of one task in one statement and returns their ids in input
-- order. A key that matches a not-yet-started execution replaces its payload and options and
-- returns its id; within one batch the last of several equal keys wins.
create function pgconductor.invoke(
  p_task text, p_queue text, p_ids uuid[], p_payloads text[], p_dedupe_keys text[],
  p_priorities int[], p_run_ats timestamptz[], p_parent uuid, p_now timestamptz)
returns uuid[]
language plpgsql as $$
declare
  v_now       timestamptz := coalesce(p_now, now());
  v_ids       uuid[];
  v_ready     boolean;
  v_invocable boolean;
begin
  select invocable into v_invocable from pgconductor.tasks where key = p_task;
  if v_invocable is false then
    raise exception 'task "%" has no invocable trigger', p_task using errcode = 'P0001', hint = 'pgconductor:not-invocable';
  end if;

  if not exists (select 1 from unnest(p_dedupe_keys) k where k is not null) then
    -- no dedupe keys: a plain insert, ids as given
    insert into pgconductor.executions (id, queue, task_key, payload, priority, run_at, parent_id)
    select t.id, p_queue, p_task, t.payload::jsonb, coalesce(t.priority, 0),
           coalesce(t.run_at, v_now), p_parent
    from unnest(p_ids, p_payloads, p_priorities, p_run_ats) as t(id, payload, priority, run_at);
    v_ids := p_ids;
    v_ready := exists (select 1 from unnest(p_run_ats) r where r is null or r <= v_now);
  else
    -- with dedupe keys: within the batch the last of equal keys wins, then upsert
    with input as (
      select t.ord, t.id, t.payload::jsonb as payload, t.dedupe_key,
             coalesce(t.priority, 0) as priority, coalesce(t.run_at, v_now) as run_at
      from unnest(p_ids, p_payloads, p_dedupe_keys, p_priorities, p_run_ats)
           with ordinality as t(id, payload, dedupe_key, priority, run_at, ord)
    ),
    winners as (
      select distinct on (coalesce(dedupe_key, id::text)) *
      from input
      order by coalesce(dedupe_key, id::text), ord desc
    ),
    stored as (
      insert into pgconductor.executions as e
        (id, queue, task_key, payload, priority, run_at, dedupe_key, parent_id)
      select id, p_queue, p_task, payload, priority, run_at, dedupe_key, p_parent
      from winners
      -- rows are locked in key order, so concurrent batches sharing keys cannot deadlock
      order by dedupe_key, ord
      on conflict (task_key, dedupe_key, queue)
        where dedupe_key is not null and attempts = 0 and locked_by is null and wait_kind is null
      do update set payload = excluded.payload, priority = excluded.priority, run_at = excluded.run_at
      returning e.id, e.dedupe_key
    )
    select array_agg(coalesce(s.id, i.id) order by i.ord), bool_or(i.run_at <= v_now)
      into v_ids, v_ready
    from input i
    left join stored s on s.dedupe_key = i.dedupe_key;
  end if;

  if v_ready then
    perform pgconductor.notify_ready(array[p_queue]); -- last, so only the commit is left
  end if;
  return v_ids;
end $$;

-- Claims up to p_limit ready executions of one queue for one orchestrator, in priority, run_at,
-- id order, skipping rows other workers hold. Each claim counts an attempt and bumps the lease.
create function pgconductor.claim(
  p_orchestrator uuid, p_queue text, p_tasks text[], p_limit int, p_now timestamptz)
returns table (id uuid, task_key text, payload jsonb, attempts int, lease int, parent_id uuid,
               priority int, run_at timestamptz, created_at timestamptz)
language plpgsql as $$
begin
  return query
  with candidates as (
    select e.id
    from pgconductor.executions e
    where e.queue = p_queue
      and e.locked_by is null
      and e.run_at <= coalesce(p_now, now())
      and e.task_key = any (p_tasks)
    order by e.priority desc, e.run_at, e.id
    limit p_limit
    for update skip locked
  ),
  claimed as (
    update pgconductor.executions e
    set locked_by = p_orchestrator, locked_at = now(), attempts = e.attempts + 1, lease = e.lease + 1
    from candidates c
    where e.id = c.id and e.queue = p_queue
    returning e.id, e.task_key, e.payload, e.attempts, e.lease, e.parent_id, e.priority, e.run_at,
              e.created_at
  )
  select * from claimed c order by c.priority desc, c.run_at, c.id;
end $$;

-- Writes back the outcomes of a batch of executions of one queue in one call:
-- 'c' completed (result), 'f' failed (error; retried with backoff until max attempts),
-- 'r' released (back to the queue, the attempt not counted). Rows whose lease the caller no
-- longer holds are left alone. Returns how many rows were written.
create function pgconductor.flush(
  p_orchestrator uuid, p_queue text, p_ids uuid[], p_leases int[], p_outcomes text[],
  p_results text[], p_errors text[], p_stacks text[], p_max_attempts int[], p_now timestamptz)
returns int
language plpgsql as $$
declare
  v_now   timestamptz := coalesce(p_now, now());
  v_total int := 0;
  v_count int;
begin
  with batch as (
    select * from unnest(p_ids, p_leases, p_outcomes, p_results, p_errors, p_stacks, p_max_attempts)
      as r(id, lease, outcome, result, error, stack, max_attempts)
  ),
  done as (
    delete from pgconductor.executions e
    using batch r
    where e.queue = p_queue and e.id = r.id and e.lease = r.lease and e.locked_by = p_orchestrator
      and (r.outcome = 'c' or (r.outcome = 'f' and e.attempts >= r.max_attempts))
    returning e.*, r.outcome, r.result, r.error, r.stack
  )
  insert into pgconductor.finished_executions
    (id, queue, task_key, state, payload, result, priority, attempts, dedupe_key, parent_id,
     last_error, last_error_stack, created_at, started_at, finished_at)
  select d.id, d.queue, d.task_key, case d.outcome when 'c' then 'completed' else 'failed' end,
         d.payload, case d.outcome when 'c' then d.result::jsonb end, d.priority, d.attempts,
         d.dedupe_key, d.parent_id,
         case d.outcome when 'c' then d.last_error else d.error end,
         case d.outcome when 'c' then d.last_error_stack else d.stack end,
         d.created_at, d.locked_at, v_now
  from done d;
  get diagnostics v_count = row_count;
  v_total := v_total + v_count;

  with batch as (
    select * from unnest(p_ids, p_leases, p_outcomes, p_errors, p_stacks)
      as r(id, lease, outcome, error, stack)
    where r.outcome in ('f', 'r')
  )
  update pgconductor.executions e
  set locked_by = null,
      locked_at = null,
      attempts = case r.outcome when 'r' then e.attempts - 1 else e.attempts end,
      run_at = case r.outcome when 'f' then v_now + pgconductor.retry_delay(e.attempts) else e.run_at end,
      last_error = case r.outcome when 'f' then r.error else e.last_error end,
      last_error_stack = case r.outcome when 'f' then r.stack else e.last_error_stack end
  from batch r
  where e.queue = p_queue and e.id = r.id and e.lease = r.lease and e.locked_by = p_orchestrator;
  get diagnostics v_count = row_count;
  return v_total + v_count;
end $$;

-- Work to do after executions finished (waking parents that wait for them, removing their
-- steps); returns the queues of the parents it woke, for the caller to notify. This schema
-- version has no steps or child executions, so there is nothing to do; V002 (durable execution)
-- gives the function its body. Every path that finishes executions calls it with the ids that
-- need it.
create function pgconductor.after_finish(p_children uuid[], p_with_steps uuid[], p_now timestamptz)
returns text[]
language plpgsql as $$
begin
  return '{}';
end $$;

-- Releases or fails the executions held by the given orchestrators, which are gone (null: every
-- execution held by an id that is not registered). As after a crash, the lost run counts as an
-- attempt: one that has attempts left is due again at once, one that was on its last fails. Held
-- executions are found by locked_by, for which there is no index (one would cost every claim an
-- index entry, for a statement that runs when an orchestrator goes), so this reads the hot table.
create function pgconductor.release_abandoned(p_orchestrators uuid[], p_now timestamptz)
returns int
language plpgsql as $$
declare
  v_ids    uuid[];
  v_queues text[];
  v_gone   uuid[];
  v_woken  text[] := '{}';
  v_count  int;
  v_rows   int;
begin
  select coalesce(array_agg(e.id), '{}'), coalesce(array_agg(e.queue), '{}') into v_ids, v_queues
  from pgconductor.executions e
  where case when p_orchestrators is null
             then e.locked_by is not null
                  and not exists (select 1 from pgconductor.orchestrators o where o.id = e.locked_by)
             else e.locked_by = any (p_orchestrators) end;
  -- Nothing abandoned, the usual case: no temporary table (creating and dropping one is catalog
  -- work, 1.5 ms a call and 5 ms in a fresh session).
  if cardinality(v_ids) = 0 then
    return 0;
  end if;

  create temporary table pgconductor_abandoned on commit drop as
    select a.id, a.queue from unnest(v_ids, v_queues) as a(id, queue);

  -- Out of attempts: the crash counts as the last attempt.
  with gone as (
    delete from pgconductor.executions e
    using pgconductor_abandoned a, pgconductor.tasks t
    where e.id = a.id and e.queue = a.queue and t.key = e.task_key and e.attempts >= t.max_attempts
    returning e.*
  ),
  moved as (
    insert into pgconductor.finished_executions
      (id, queue, task_key, state, payload, priority, attempts, dedupe_key, parent_id, last_error,
       created_at, started_at)
    select g.id, g.queue, g.task_key, 'failed', g.payload, g.priority, g.attempts, g.dedupe_key,
           g.parent_id, 'orchestrator ' || g.locked_by || ' stopped heartbeating while running this execution',
           g.created_at, g.locked_at
    from gone g
  )
  select coalesce(array_agg(g.id), '{}') into v_gone from gone g;
  v_count := cardinality(v_gone);
  if v_count > 0 then
    v_woken := pgconductor.after_finish(v_gone, v_gone, p_now);
  end if;

  update pgconductor.executions e
  set last_error = 'orchestrator ' || e.locked_by || ' stopped heartbeating while running this execution',
      last_error_stack = null, locked_by = null, locked_at = null,
      run_at = coalesce(p_now, now())
  from pgconductor_abandoned a
  where e.id = a.id and e.queue = a.queue;
  get diagnostics v_rows = row_count;
  drop table pgconductor_abandoned;
  -- the released executions are ready now, and so are parents whose child failed for good
  perform pgconductor.notify_ready(v_queues || v_woken);
  return v_count + v_rows;
end $$;

-- Releases or fails what orchestrators that stopped heartbeating were running. Liveness is judged
-- by the database clock; p_now (a test clock, or null) only dates the rerun.
create function pgconductor.rescue(p_timeout interval, p_now timestamptz)
returns int
language plpgsql as $$
declare
  v_dead uuid[];
begin
  select coalesce(array_agg(o.id order by o.id), '{}') into v_dead
  from pgconductor.orchestrators o
  where o.last_heartbeat_at < now() - p_timeout;
  if cardinality(v_dead) = 0 then
    return 0;
  end if;
  -- Wait for their claims in flight (each holds its orchestrator's lock shared until it
  -- commits), so the release below sees what those claims took; a claim that comes later finds
  -- its orchestrator gone and takes nothing. Locked in id order: two rescuers cannot deadlock.
  perform pg_advisory_xact_lock(hashtext('pgconductor.orchestrator'), hashtext(d::text))
  from unnest(v_dead) as d order by d;
  -- released below, not by V005's trigger on removed orchestrators
  perform set_config('pgconductor.releasing', 'on', true);
  with dead as (
    delete from pgconductor.orchestrators
    where id = any (v_dead) and last_heartbeat_at < now() - p_timeout -- a heartbeat came since
    returning id
  )
  select coalesce(array_agg(id), '{}') into v_dead from dead;
  perform set_config('pgconductor.releasing', 'off', true);
  if cardinality(v_dead) = 0 then
    return 0;
  end if;
  return pgconductor.release_abandoned(v_dead, p_now);
end $$;

-- Heartbeat of one orchestrator, followed by a rescue of dead ones. Returns false when this
-- orchestrator is no longer registered (it was declared dead), so it can register again.
create function pgconductor.heartbeat(p_orchestrator uuid, p_timeout interval, p_now timestamptz)
returns boolean
language plpgsql as $$
declare
  v_alive boolean;
begin
  update pgconductor.orchestrators set last_heartbeat_at = now() where id = p_orchestrator;
  v_alive := found;
  perform pgconductor.rescue(p_timeout, p_now);
  return v_alive;
end $$;
