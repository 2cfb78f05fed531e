-- The pgconductor schema: tables first, then the functions that change them, in the order they
-- call each other. Every state change of an execution is one of these functions, and each takes
-- a whole batch. docs/internals.md explains the design; docs/schema.md lists what users may query.

-- ============================================================================================
-- Types
-- ============================================================================================

-- What created an execution.
create type pgconductor.origin as enum (
  'invoked',     -- Conductor.invoke / invokeBatch
  'child',       -- TaskContext.invoke from a parent execution (parent_id)
  'scheduled',   -- a cron schedule (origin_name: the schedule)
  'emitted',     -- a custom event (origin_name: the event)
  'row_changed'  -- a change of a database row (origin_name: schema.table.operation)
);

-- How one run of a claimed execution ended, as a worker reports it to pgconductor.flush.
create type pgconductor.outcome_kind as enum (
  'completed',  -- finished with a result
  'failed',     -- the attempt failed: retried with backoff until max_attempts (0: final at once)
  'released',   -- handed back after its handler ran (a stop): the attempt is not counted
  'interrupted', -- still running when its orchestrator's stop ran out of grace: an abandoned run
  'unstarted',  -- handed back before its handler started: as if never claimed
  'sleeping',   -- a durable sleep: due again at run_at
  'waiting',    -- waiting for the child of step `step`, until run_at (a timeout) or for ever
  'cancelled'   -- ended by a cancellation while it ran
);

-- One outcome of a flush. Only the fields its kind needs are set.
create type pgconductor.outcome as (
  id            uuid,
  lease         int,                      -- the lease of the claim that ran it
  kind          pgconductor.outcome_kind,
  result        jsonb,                    -- completed
  error         text,                     -- failed, interrupted
  stack         text,                     -- failed
  max_attempts  int,                      -- failed, interrupted
  retry_delay_ms int,                     -- failed: the wait before the next attempt, as the
                                          -- task's retry policy says (null: retry_delay)
  run_at        timestamptz,              -- sleeping: until; waiting: the deadline, if any;
                                          -- completed, failed, cancelled, interrupted of a
                                          -- scheduled execution: when its schedule's next
                                          -- occurrence is due
  step          text,                     -- waiting: the step that records the child
  child_id      uuid,                     -- waiting: the child; with run_at as above: the id of
                                          -- the next occurrence
  child_task    text,                     -- waiting on a new child: its task, queue, payload;
  child_queue   text,                     -- null when the child exists (an earlier run made it)
  child_payload jsonb,
  attempt       int,                      -- waiting: the attempt that set the deadline
  has_steps     boolean,                  -- the execution has recorded steps to remove at its end
  child_trace_context jsonb               -- waiting on a new child: its trace context (tracing)
);

-- A batch of outcomes as pgconductor.flush takes it: the fields of pgconductor.outcome but the id,
-- each as an array over the batch (element i of every array belongs to outcome i; the ids travel
-- as a binary uuid[] beside it). Columns rather than an array of rows: Postgres reads an array
-- of each field far faster than as many composite values. pgconductor.outcome_rows gives the rows.
create type pgconductor.outcome_batch as (
  leases         int[],
  kinds          pgconductor.outcome_kind[],
  results        jsonb[],
  errors         text[],
  stacks         text[],
  max_attempts   int[],
  retry_delays_ms int[],
  run_ats        timestamptz[],
  steps          text[],
  child_ids      uuid[],
  child_tasks    text[],
  child_queues   text[],
  child_payloads jsonb[],
  attempts       int[],
  has_steps      boolean[],
  child_trace_contexts jsonb[]            -- null when no outcome of the batch has one
);

-- ============================================================================================
-- Tables
-- ============================================================================================

-- Orchestrators register here and heartbeat with the database clock; a stale row means the
-- process is gone and whatever it held is released (see pgconductor.rescue for who may judge).
create table pgconductor.orchestrators (
  id                uuid primary key,
  host              text not null,
  pid               bigint not null,
  started_at        timestamptz not null default now(),
  last_heartbeat_at timestamptz not null default now(),
  -- since when it has heartbeated without a gap (a gap: the timeout less two intervals, or more)
  live_since        timestamptz not null default now(),
  -- the newest schema version its library knows (0: a row not written by pgconductor.register)
  schema_version    int not null default 0,
  -- its heartbeatTimeout, as its heartbeats give it (null until the first one)
  heartbeat_timeout interval
);

-- Requests by a library that brings a breaking migration: every orchestrator whose schema_version
-- is lower drains and stops (pgconductor.heartbeat tells it), none such may register, and none
-- such claims (pgconductor.claim). Rows stay after the migration, so an older orchestrator that
-- was frozen through it still stops when it wakes. Every version of the library relies on this
-- table, on pgconductor.request_drain and on what pgconductor.register, heartbeat and claim do
-- with it: a later migration may add to them but never change that (see index.txt).
create table pgconductor.drain_requests (
  schema_version int primary key, -- orchestrators of a lower version drain
  requested_at   timestamptz not null default now(),
  requested_by   text not null    -- host and pid of the process that asked, for the operator
);

-- The tasks each registered orchestrator runs, by queue: what "served" means when executions
-- of a task nobody runs are looked for (pgconductor.unserved). Rows go with their orchestrator
-- (pgconductor.orchestrators_removed; not a foreign key, which would forbid a truncate).
create table pgconductor.served_tasks (
  orchestrator uuid not null,
  queue        text not null,
  task_key     text not null,
  primary key (queue, task_key, orchestrator)
);
create index served_tasks_orchestrator_idx on pgconductor.served_tasks (orchestrator);

-- Tasks as registered by the orchestrators that serve them (the last one to start wins).
create table pgconductor.tasks (
  key          text primary key,
  queue        text not null,
  max_attempts int not null check (max_attempts >= 1),
  invocable    boolean not null,
  concurrency  int check (concurrency >= 1), -- null: unlimited
  -- the time window its executions may run in: from (inclusive) to (exclusive), local times of
  -- window_zone; wraps midnight when from is later than to. Null: any time.
  window_from  time,
  window_to    time,
  window_zone  text,
  batch_size   int check (batch_size >= 1), -- a batch task: its handler takes up to this many
  -- a finished execution frees its dedupe key, also once it completed (by default a completed
  -- execution keeps it while it is retained)
  frees_dedupe_key boolean not null default false,
  -- how long finished executions are kept (null: for ever; zero: removed as they finish), after
  -- they completed, and after they failed or were cancelled (pgconductor.remove_expired)
  keep_completed interval,
  keep_failed    interval,
  updated_at   timestamptz not null default now(),
  -- its executions wait in the gated claim index: it has a concurrency limit, a time window, or
  -- is a batch task (claimed by its own batch claims only)
  gated        boolean generated always as
                 (concurrency is not null or window_from is not null or batch_size is not null) stored,
  check ((window_from is null) = (window_to is null) and (window_from is null) = (window_zone is null)
         and (window_from is null or window_from <> window_to))
);

-- Cron schedules. Static ones come from the cron triggers of the tasks (written when an
-- orchestrator that runs the task starts; removed from here when they leave the code); dynamic
-- ones from TaskContext.schedule and Conductor.schedule, with a payload. Each schedule has at most
-- one pending occurrence, the execution next_id due at next_at; the flush that finishes it
-- creates the next one, in the same transaction (pgconductor.advance_schedules).
create table pgconductor.schedules (
  task_key   text not null,
  name       text not null,
  cron       text not null,
  time_zone  text not null,  -- an IANA zone id, such as UTC or Europe/Paris
  payload    jsonb,          -- dynamic schedules: the payload of each occurrence
  dynamic    boolean not null,
  next_at    timestamptz,    -- when the pending occurrence is due
  next_id    uuid,           -- the pending occurrence (an execution), while there is one
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (task_key, name)
);
create index schedules_next_id_idx on pgconductor.schedules (next_id) where next_id is not null;

-- Custom events, as emitted; kept whether or not a task subscribes.
create table pgconductor.events (
  id         uuid primary key,
  name       text not null,
  payload    jsonb not null,
  emitted_at timestamptz not null default now()
);

-- Tasks subscribed to custom events, as the orchestrators that run them registered them at start.
-- An event creates one execution per subscription: its payload, or only the selected fields
-- (paths such as user.email), when the condition (a boolean SQL expression over `payload`) holds.
create table pgconductor.subscriptions (
  event      text not null,
  task_key   text not null,
  fields     text[],  -- null: the whole payload
  condition  text,    -- null: every event
  updated_at timestamptz not null default now(),
  primary key (event, task_key)
);

-- Tasks subscribed to changes of rows of the application's tables, as the orchestrators that run
-- them registered them at start. Each row stands for one Postgres trigger on the table, made by
-- pgconductor.apply_row_triggers from `definition`; `installed` is the definition it was last made
-- from. The trigger's statement creates one execution per changed row whose condition holds.
create table pgconductor.row_triggers (
  task_key    text not null,
  schema_name text not null,
  table_name  text not null,
  operation   text not null check (operation in ('insert', 'update', 'delete')),
  columns     text[], -- null: every column
  condition   text,   -- null: every change; a boolean SQL expression over new and old
  definition  text not null, -- the trigger function and trigger, as SQL
  installed   text,          -- the definition the installed trigger was made from
  updated_at  timestamptz not null default now(),
  primary key (task_key, schema_name, table_name, operation)
);

-- Row changes of statements that changed more than 1,000 rows, staged by the row-change triggers
-- in chunks of 1,000 until a claim on the queue makes them executions. Each element of `rows` is
-- the changed row (insert, delete) or {"old": …, "new": …} (update), with the selected columns.
create table pgconductor.row_changes (
  id          bigint generated always as identity primary key,
  queue       text not null,
  task_key    text not null,
  origin_name text not null, -- schema.table.operation
  envelope    jsonb not null, -- {"tg_op": …, "schema": …, "table": …}
  rows        text not null,  -- a JSON array: cheaper to write than jsonb
  created_at  timestamptz not null default now()
);
create index row_changes_queue_idx on pgconductor.row_changes (queue, id);

-- Time slots of throttled and debounced invokes, one row per task, kind and key (the dedupe key
-- given with the invoke; '' without one): the slot the last invoke fell in and, for debounce, the
-- execution that runs at the start of the next slot. Slots are cut from the database's clock.
create table pgconductor.invoke_slots (
  task_key     text not null,
  kind         text not null check (kind in ('throttle', 'debounce')),
  slot_key     text not null,
  slot         timestamptz not null,
  execution_id uuid,
  primary key (task_key, kind, slot_key)
);

-- Queues that have their own partition of pgconductor.executions.
create table pgconductor.queues (
  name       text primary key,
  partition  text not null unique,
  created_at timestamptz not null default now()
);

-- Executions not finished yet: the hot table, one partition per queue, kept narrow (finished
-- rows move to finished_executions). A claim bumps lease; every write a worker makes about an
-- execution is conditioned on (locked_by, lease), so a late write of a lost claim does nothing.
create table pgconductor.executions (
  id               uuid not null,
  queue            text not null,
  task_key         text not null,
  payload          jsonb,
  priority         int not null default 0,
  run_at           timestamptz not null,
  attempts         int not null default 0,
  lease            int not null default 0,
  locked_by        uuid, -- the orchestrator running it
  locked_at        timestamptz,
  dedupe_key       text,
  parent_id        uuid,
  origin           pgconductor.origin not null default 'invoked',
  origin_name      text,
  last_error       text,
  last_error_stack text,
  -- why a started execution is not running: 'sleep', 'child', 'woken' once the child it waits
  -- for finished, 'released' after a stop handed it back. Null until it first starts.
  wait_kind        text,
  cancel_reason    text, -- cancellation requested while it runs
  -- runs that ended without an outcome: its orchestrator died, or stopped while the handler ran
  -- on past its grace period. The first few do not count as attempts (pgconductor.free_abandoned_runs).
  abandoned_runs   int not null default 0,
  gated            boolean not null default false, -- its task has a concurrency limit or a window
  created_at       timestamptz not null default now(),
  -- the trace context of the code that stored it (W3C headers such as traceparent), written
  -- only when the Conductor has a tracer (Conductor.Builder.tracer); handed to its runs
  trace_context    jsonb,
  primary key (id, queue)
) partition by list (queue);

-- Every execution leaves two dead row versions here (its claim's update, its finish's delete), so
-- a busy queue's partition needs vacuum far more often and faster than the defaults give: vacuum
-- unthrottled, once 2% of the partition is dead (the default 20% lets a backlog of a million rows
-- gather 200,000 dead ones first). Set on each partition (pgconductor.ensure_queue).
-- Pages are filled only half by inserts, so that a claim's update (not a HOT update: locked_by is
-- in the claim index's predicate) finds room for the new row version on the same page: an update
-- that moves to another page dirties two pages and writes an extra lock record to the WAL.
create table pgconductor.executions_default partition of pgconductor.executions default
  with (fillfactor = 50, autovacuum_vacuum_cost_delay = 0, autovacuum_vacuum_scale_factor = 0.02);

-- The claim scan: ready rows in priority, run_at, id order. Executions of tasks with a
-- concurrency limit or a time window have their own index, so a backlog of one never sits in
-- front of the rest.
create index executions_claim_idx on pgconductor.executions (priority desc, run_at, id)
  where locked_by is null and not gated;
create index executions_gated_claim_idx on pgconductor.executions (task_key, priority desc, run_at, id)
  where gated and locked_by is null;
create index executions_gated_running_idx on pgconductor.executions (task_key)
  where gated and locked_by is not null;

-- Dedupe: one not-yet-started execution per (task, key, queue).
create unique index executions_dedupe_idx on pgconductor.executions (task_key, dedupe_key, queue)
  where dedupe_key is not null and attempts = 0 and locked_by is null and wait_kind is null;

create index executions_parent_idx on pgconductor.executions (parent_id) where parent_id is not null;
create index executions_cancel_idx on pgconductor.executions (locked_by) where cancel_reason is not null;

-- Finished executions: completed, failed after the last attempt, or cancelled.
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
  origin           pgconductor.origin not null,
  origin_name      text,
  last_error       text,
  last_error_stack text,
  created_at       timestamptz not null,
  started_at       timestamptz,
  finished_at      timestamptz not null default now(),
  -- when maintenance removes it, as its task's retention said when it finished (null: never)
  remove_at        timestamptz
);

create index finished_executions_parent_idx on pgconductor.finished_executions (parent_id)
  where parent_id is not null;
-- Recent outcomes (the command line's status, dashboards) without a scan of every finished row.
create index finished_executions_finished_at_idx on pgconductor.finished_executions (finished_at);
-- What maintenance removes next; executions kept for ever are not in it, so they cost nothing.
create index finished_executions_remove_at_idx on pgconductor.finished_executions (queue, remove_at)
  where remove_at is not null;
-- Completed executions keep their dedupe keys while they are retained (pgconductor.invoke).
create index finished_executions_dedupe_idx
  on pgconductor.finished_executions (task_key, dedupe_key, queue, finished_at)
  where dedupe_key is not null and state = 'completed';
-- Search by dedupe key in any state, newest first (the dashboard): only rows with a key pay for it.
create index finished_executions_dedupe_key_idx
  on pgconductor.finished_executions (dedupe_key, id) where dedupe_key is not null;
-- Failed and cancelled executions newest first (the dashboard's failures), however rare among the
-- completed ones; completed rows, nearly all of them, are not in it.
create index finished_executions_failed_idx
  on pgconductor.finished_executions (state, id) where state in ('failed', 'cancelled');

-- When each queue's daily maintenance runs next: a time of day of its own, derived from its name
-- (pgconductor.maintenance_time), so queues spread over the day and every orchestrator agrees.
create table pgconductor.maintenance (
  queue            text primary key,
  next_at          timestamptz not null,
  last_started_at  timestamptz,
  last_finished_at timestamptz,
  last_removed     bigint -- finished executions the last run removed
);

-- One row per completed step of an unfinished execution, and per sleep or child invocation in
-- progress. Removed when the execution finishes (its result lives on in finished_executions).
create table pgconductor.steps (
  execution_id uuid not null,
  name         text not null,
  done         boolean not null default true,
  result       jsonb,
  error        text,        -- a child that did not complete: why
  child_id     uuid,        -- a child invocation: the child execution
  deadline     timestamptz, -- a child invocation with a timeout: when the parent gives up
  attempt      int,         -- the attempt that set the deadline
  created_at   timestamptz not null default now(),
  primary key (execution_id, name)
);

-- The attempts that failed, one row each: the handler threw or outlived its timeout. An
-- execution's last_error keeps only the latest; this keeps them all, for operators (the
-- dashboard's execution page). Written by pgconductor.flush only when a batch holds a failure;
-- removed with the execution (retention, dropQueue, a removal on finish).
create table pgconductor.failed_attempts (
  execution_id uuid not null,
  queue        text not null,
  attempt      int not null,   -- the attempt's number (counted again from 1 after a retry())
  error        text,
  error_stack  text,
  failed_at    timestamptz not null
);
create index failed_attempts_execution_idx on pgconductor.failed_attempts (execution_id, failed_at);

create index steps_child_idx on pgconductor.steps (child_id) where child_id is not null;

-- Workers that found their queue empty and sleep until notified. NOTIFY serializes commits (a
-- cluster-wide lock at commit), so work made ready notifies only queues with a worker listed
-- here; busy workers claim again on their own. Unlogged: workers rebuild it as they run.
create unlogged table pgconductor.idle_workers (
  orchestrator uuid not null,
  queue        text not null,
  part         text not null default '', -- '' the worker's fetcher; a task name its batch loop
  since        timestamptz not null default now(),
  primary key (queue, orchestrator, part)
);

-- Every execution, unfinished or finished, with its state as Conductor.getExecution reports it.
create view pgconductor.all_executions as
select id, queue, task_key,
       case when locked_by is not null then 'running'
            when wait_kind in ('sleep', 'child') then 'waiting'
            else 'pending' end as state,
       payload, null::jsonb as result, priority, attempts, dedupe_key, parent_id, origin,
       origin_name, last_error, last_error_stack, created_at,
       case when run_at = 'infinity' then null else run_at end as run_at,
       locked_at as started_at, null::timestamptz as finished_at
from pgconductor.executions
union all
select id, queue, task_key, state, payload, result, priority, attempts, dedupe_key, parent_id,
       origin, origin_name, last_error, last_error_stack, created_at, null, started_at,
       finished_at
from pgconductor.finished_executions;

-- ============================================================================================
-- Helpers
-- ============================================================================================

-- When maintenance removes an execution of a task that finished in a state at a time, by the
-- task's retention (null: kept for ever). Failed and cancelled executions share one retention.
create function pgconductor.remove_at(p_task text, p_state text, p_finished_at timestamptz)
returns timestamptz
language sql stable as $$
  select p_finished_at + case p_state when 'completed' then t.keep_completed else t.keep_failed end
  from pgconductor.tasks t where t.key = p_task
$$;

-- The row an execution leaves in finished_executions: cancel and release_abandoned delete the
-- executions they finish `returning e` and insert this. The flush, which finishes nearly every
-- execution, writes the same columns from its own list: whole rows on that path were measured to
-- slow the tuned drain. FinishedRowIT checks that the list has every column.
create function pgconductor.finished_row(
  e pgconductor.executions, p_state text, p_result jsonb, p_error text, p_stack text,
  p_finished_at timestamptz)
returns setof pgconductor.finished_executions
language sql stable rows 1 as $$
  select e.id, e.queue, e.task_key, p_state, e.payload, p_result, e.priority, e.attempts,
         e.dedupe_key, e.parent_id, e.origin, e.origin_name, p_error, p_stack, e.created_at,
         e.locked_at, p_finished_at, pgconductor.remove_at(e.task_key, p_state, p_finished_at)
$$;

-- The outcomes of a batch as rows. Inlined by Postgres into the statement that reads it, so the
-- arrays are zipped as that statement scans them and no row is built in between.
create function pgconductor.outcome_rows(p_ids uuid[], b pgconductor.outcome_batch)
returns setof pgconductor.outcome
language sql immutable as $$
  select * from unnest(p_ids, b.leases, b.kinds, b.results, b.errors, b.stacks, b.max_attempts,
                       b.retry_delays_ms, b.run_ats, b.steps, b.child_ids, b.child_tasks,
                       b.child_queues,
                       b.child_payloads, b.attempts, b.has_steps, b.child_trace_contexts)
$$;

-- Backoff before the next attempt, after `attempts` attempts were made: 15 s, 30 s, then 60 s. The
-- default retry policy, which workers send with each failure; used for failures sent without one.
create function pgconductor.retry_delay(attempts int) returns interval
language sql immutable as $$
  select case when attempts <= 1 then interval '15 seconds'
              when attempts = 2 then interval '30 seconds'
              else interval '60 seconds' end
$$;

-- How many abandoned runs of an execution (its orchestrator died, or its handler outran a stop's
-- grace period) are given back without counting as attempts. Later ones count, so a handler that
-- crashes its worker or hangs every time still ends failed; the first few are forgiven, so work
-- that merely shared a worker with a fault keeps its retries.
create function pgconductor.free_abandoned_runs() returns int
language sql immutable as $$ select 3 $$;

-- Gives a queue its own partition, moving rows that were waiting in the default partition.
create function pgconductor.ensure_queue(p_queue text) returns void
language plpgsql set jit = off as $$
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
  -- filled and vacuumed as executions_default is (see there)
  execute format('create table pgconductor.%I partition of pgconductor.executions for values in (%L)'
                 ' with (fillfactor = 50, autovacuum_vacuum_cost_delay = 0,'
                 ' autovacuum_vacuum_scale_factor = 0.02)',
                 v_partition, p_queue);
  insert into pgconductor.executions select * from pgconductor_moving;
  drop table pgconductor_moving;
  insert into pgconductor.queues (name, partition) values (p_queue, v_partition);
end $$;

select pgconductor.ensure_queue('default');

-- ============================================================================================
-- Wake-ups
-- ============================================================================================

-- Marks (p_idle) or unmarks a worker as asleep on its empty queue: its fetcher (p_part '') or the
-- batch loop of one of its batch tasks (p_part: the task).
create function pgconductor.set_idle(p_orchestrator uuid, p_queue text, p_idle boolean,
  p_part text default '')
returns void
language plpgsql set jit = off as $$
begin
  if p_idle then
    insert into pgconductor.idle_workers (orchestrator, queue, part)
    values (p_orchestrator, p_queue, p_part)
    on conflict do nothing;
  else
    delete from pgconductor.idle_workers
    where orchestrator = p_orchestrator and queue = p_queue and part = p_part;
  end if;
end $$;

-- Tells the sleeping workers of each queue in p_queues that work is ready there: one NOTIFY per
-- queue with a worker listed in idle_workers. Returns the queues that had none listed.
--
-- Called inside the transaction that made the work ready, the check can miss a worker that lists
-- itself after the check and claims (finding nothing: the work is not committed yet) before the
-- commit. A transaction that runs long after its check (a flush) therefore calls this again after
-- its commit for the queues it returned. Invokes are single statements that check last, so their
-- window is the commit.
create function pgconductor.notify_ready(p_queues text[]) returns text[]
language plpgsql set jit = off as $$
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

-- ============================================================================================
-- Tasks and concurrency limits
-- ============================================================================================

-- Rows of tasks whose concurrency limit was removed go back to the main claim index. Runs when
-- orchestrators register tasks and with every heartbeat: a probe of the gated index, never a
-- scan of the queue.
create function pgconductor.ungate_unlimited() returns int
language plpgsql set jit = off set enable_seqscan = off as $$
declare
  v_count int;
begin
  update pgconductor.executions e
  set gated = false
  from pgconductor.tasks t
  where not t.gated and e.task_key = t.key and e.gated and e.locked_by is null;
  get diagnostics v_count = row_count;
  return v_count;
end $$;

-- Whether a time window is open at p_now: null when it is, else when it opens next. The window
-- runs from p_from (inclusive) to p_to (exclusive) in local time of p_zone, across midnight when
-- p_from is later than p_to.
create function pgconductor.window_opens(p_from time, p_to time, p_zone text, p_now timestamptz)
returns timestamptz
language sql stable as $$
  select case
           when case when p_from < p_to then l.t >= p_from and l.t < p_to
                     else l.t >= p_from or l.t < p_to end then null
           when l.t < p_from then (l.d + p_from) at time zone p_zone
           else (l.d + 1 + p_from) at time zone p_zone
         end
  from (select (p_now at time zone p_zone)::time as t, (p_now at time zone p_zone)::date as d) l
$$;

-- Upserts the tasks an orchestrator serves. Executions waiting for a task that gains a limit or a
-- window are gated here, once; those of tasks that lost both are ungated.
create function pgconductor.register_tasks(
  p_keys text[], p_queues text[], p_max_attempts int[], p_invocable boolean[], p_concurrency int[],
  p_frees_dedupe_keys boolean[], p_keep_completed interval[], p_keep_failed interval[],
  p_window_froms time[], p_window_tos time[], p_window_zones text[], p_batch_sizes int[])
returns void
language plpgsql set jit = off as $$
declare
  v_newly_limited text[];
begin
  select coalesce(array_agg(n.key), '{}') into v_newly_limited
  from unnest(p_keys, p_concurrency, p_window_froms, p_batch_sizes)
         as n(key, concurrency, window_from, batch_size)
  where (n.concurrency is not null or n.window_from is not null or n.batch_size is not null)
    and not exists (select 1 from pgconductor.tasks t where t.key = n.key and t.gated);

  insert into pgconductor.tasks as t
    (key, queue, max_attempts, invocable, concurrency, frees_dedupe_key, keep_completed,
     keep_failed, window_from, window_to, window_zone, batch_size)
  select * from unnest(p_keys, p_queues, p_max_attempts, p_invocable, p_concurrency,
                       p_frees_dedupe_keys, p_keep_completed, p_keep_failed, p_window_froms,
                       p_window_tos, p_window_zones, p_batch_sizes)
  on conflict (key) do update
    set queue = excluded.queue, max_attempts = excluded.max_attempts,
        invocable = excluded.invocable, concurrency = excluded.concurrency,
        frees_dedupe_key = excluded.frees_dedupe_key, keep_completed = excluded.keep_completed,
        keep_failed = excluded.keep_failed, window_from = excluded.window_from,
        window_to = excluded.window_to, window_zone = excluded.window_zone,
        batch_size = excluded.batch_size, updated_at = now();

  if cardinality(v_newly_limited) > 0 then
    update pgconductor.executions e set gated = true
    where e.task_key = any (v_newly_limited) and not e.gated and e.locked_by is null;
  end if;
  perform pgconductor.ungate_unlimited();
end $$;

-- ============================================================================================
-- Invoke
-- ============================================================================================

-- Stores a batch of executions of one task in one statement. A key that matches a not-yet-started
-- execution replaces its payload and options and answers with its id; else a key that matches a
-- completed execution still retained stores nothing and answers with that execution's id (unless
-- the task frees keys on any finish); within one batch the last of equal keys wins. Returns the ids in input order, or null when the batch had no dedupe key
-- (the ids are then the ones given). Executions of a task with a concurrency limit are written
-- gated. p_notify_always: the caller's own transaction (notify every worker of the queue).
create function pgconductor.invoke(
  p_task text, p_queue text, p_ids uuid[], p_payloads text[], p_dedupe_keys text[],
  p_priorities int[], p_run_ats timestamptz[], p_now timestamptz,
  p_notify_always boolean default false, p_trace_contexts text[] default null)
returns uuid[]
language plpgsql set plan_cache_mode = force_generic_plan set jit = off as $$
declare
  v_now       timestamptz := coalesce(p_now, now());
  v_ids       uuid[];
  v_ready     boolean;
  v_invocable boolean;
  v_gated     boolean;
  v_frees     boolean;
begin
  select invocable, gated, frees_dedupe_key into v_invocable, v_gated, v_frees
  from pgconductor.tasks where key = p_task;
  v_gated := coalesce(v_gated, false);
  v_frees := coalesce(v_frees, false);
  if v_invocable is false then
    raise exception 'task "%" has no invocable trigger', p_task
      using errcode = 'P0001', hint = 'pgconductor:not-invocable';
  end if;

  if not exists (select 1 from unnest(p_dedupe_keys) k where k is not null) then
    insert into pgconductor.executions
      (id, queue, task_key, payload, priority, run_at, gated, trace_context)
    select t.id, p_queue, p_task, t.payload::jsonb, coalesce(t.priority, 0),
           coalesce(t.run_at, v_now), v_gated, t.trace_context::jsonb
    -- p_trace_contexts null (no tracer): unnest pads it with nulls
    from unnest(p_ids, p_payloads, p_priorities, p_run_ats, p_trace_contexts)
         as t(id, payload, priority, run_at, trace_context);
    v_ids := null;
    v_ready := exists (select 1 from unnest(p_run_ats) r where r is null or r <= v_now);
  else
    with input as (
      select t.ord, t.id, t.payload::jsonb as payload, t.dedupe_key,
             coalesce(t.priority, 0) as priority, coalesce(t.run_at, v_now) as run_at,
             t.trace_context::jsonb as trace_context
      from unnest(p_ids, p_payloads, p_dedupe_keys, p_priorities, p_run_ats, p_trace_contexts)
           with ordinality as t(id, payload, dedupe_key, priority, run_at, trace_context, ord)
    ),
    winners as (
      select distinct on (coalesce(dedupe_key, id::text)) *
      from input
      order by coalesce(dedupe_key, id::text), ord desc
    ),
    -- a key whose execution completed and is retained: nothing is stored, its id is the answer,
    -- unless a not yet started execution holds the key too (invoked while that one ran)
    kept as (
      select distinct on (f.dedupe_key) f.dedupe_key, f.id
      from pgconductor.finished_executions f
      where not v_frees
        and f.task_key = p_task and f.queue = p_queue and f.state = 'completed'
        and f.dedupe_key in (select w.dedupe_key from winners w where w.dedupe_key is not null)
        and not exists (
          select 1 from pgconductor.executions p
          where p.task_key = p_task and p.queue = p_queue and p.dedupe_key = f.dedupe_key
            and p.attempts = 0 and p.locked_by is null and p.wait_kind is null)
      order by f.dedupe_key, f.finished_at desc, f.id desc
    ),
    stored as (
      insert into pgconductor.executions as e
        (id, queue, task_key, payload, priority, run_at, dedupe_key, gated, trace_context)
      select id, p_queue, p_task, payload, priority, run_at, dedupe_key, v_gated, trace_context
      from winners
      where not exists (select 1 from kept k where k.dedupe_key = winners.dedupe_key)
      -- rows are locked in key order, so concurrent batches sharing keys cannot deadlock
      order by dedupe_key, ord
      on conflict (task_key, dedupe_key, queue)
        where dedupe_key is not null and attempts = 0 and locked_by is null and wait_kind is null
      do update set payload = excluded.payload, priority = excluded.priority, run_at = excluded.run_at,
                    trace_context = excluded.trace_context
      returning e.id, e.dedupe_key
    )
    select array_agg(coalesce(k.id, s.id, i.id) order by i.ord),
           coalesce(bool_or(i.run_at <= v_now and k.id is null), false)
      into v_ids, v_ready
    from input i
    left join stored s on s.dedupe_key = i.dedupe_key
    left join kept k on k.dedupe_key = i.dedupe_key;
  end if;

  if v_ready and p_notify_always then
    -- in the caller's own transaction, which may last: a worker that lists itself idle while it
    -- is open would not be told, so every worker of the queue hears it at the commit
    perform pg_notify('pgconductor', p_queue);
  elsif v_ready then
    perform pgconductor.notify_ready(array[p_queue]); -- last, so only the commit is left
  end if;
  return v_ids;
end $$;

-- The start of the slot of p_seconds that p_now falls in, counted from the Unix epoch: the same
-- on every clock that agrees with the database's.
create function pgconductor.slot_start(p_now timestamptz, p_seconds double precision)
returns timestamptz
language sql immutable as $$
  select to_timestamp(floor(extract(epoch from p_now) / p_seconds) * p_seconds)
$$;

-- A throttled invoke: the first invoke of a slot of the task and key stores its execution (as
-- pgconductor.invoke, without a dedupe key) and returns its id; later ones in the same slot store
-- nothing and return null. Concurrent invokes of one slot wait for each other on the slot's row.
create function pgconductor.invoke_throttled(
  p_task text, p_queue text, p_id uuid, p_payload text, p_key text, p_priority int,
  p_run_at timestamptz, p_seconds double precision, p_now timestamptz,
  p_notify_always boolean default false, p_trace_context text default null)
returns uuid
language plpgsql set jit = off as $$
declare
  v_slot timestamptz := pgconductor.slot_start(coalesce(p_now, now()), p_seconds);
  v_won  int;
begin
  insert into pgconductor.invoke_slots as s (task_key, kind, slot_key, slot)
  values (p_task, 'throttle', coalesce(p_key, ''), v_slot)
  on conflict (task_key, kind, slot_key) do update set slot = excluded.slot
    where s.slot < excluded.slot
  returning 1 into v_won;
  if v_won is null then
    return null; -- the slot has its execution
  end if;
  perform pgconductor.invoke(p_task, p_queue, array[p_id], array[p_payload], array[null::text],
                             array[p_priority], array[p_run_at], p_now, p_notify_always,
                             case when p_trace_context is not null then array[p_trace_context] end);
  return p_id;
end $$;

-- A debounced invoke: the first invoke of a slot of the task and key stores an execution due at
-- the start of the next slot; later ones in the same slot replace its payload and priority and
-- return its id, so the last invoke of a burst is the one that runs. Returns the id.
create function pgconductor.invoke_debounced(
  p_task text, p_queue text, p_id uuid, p_payload text, p_key text, p_priority int,
  p_seconds double precision, p_now timestamptz, p_notify_always boolean default false,
  p_trace_context text default null)
returns uuid
language plpgsql set jit = off as $$
declare
  v_slot timestamptz := pgconductor.slot_start(coalesce(p_now, now()), p_seconds);
  v_id   uuid;
begin
  insert into pgconductor.invoke_slots as s (task_key, kind, slot_key, slot, execution_id)
  values (p_task, 'debounce', coalesce(p_key, ''), v_slot, p_id)
  on conflict (task_key, kind, slot_key) do update
    set slot = excluded.slot,
        execution_id = case when s.slot = excluded.slot then s.execution_id
                             else excluded.execution_id end
  returning execution_id into v_id;
  if v_id <> p_id then
    update pgconductor.executions e
    set payload = p_payload::jsonb, priority = coalesce(p_priority, 0),
        trace_context = p_trace_context::jsonb
    where e.queue = p_queue and e.id = v_id
      and e.attempts = 0 and e.locked_by is null and e.wait_kind is null;
    if found then
      return v_id;
    end if;
    -- it started already (a clock ahead of the database's) or was cancelled: this one runs
    update pgconductor.invoke_slots s set execution_id = p_id
    where s.task_key = p_task and s.kind = 'debounce' and s.slot_key = coalesce(p_key, '');
  end if;
  perform pgconductor.invoke(p_task, p_queue, array[p_id], array[p_payload], array[null::text],
                             array[p_priority], array[v_slot + p_seconds * interval '1 second'],
                             p_now, p_notify_always,
                             case when p_trace_context is not null then array[p_trace_context] end);
  return p_id;
end $$;

-- ============================================================================================
-- Schedules
-- ============================================================================================

-- Inserts the executions of schedules' occurrences (given by task, schedule name, due time and
-- id; the payload is the schedule's), on each task's queue. Returns the queues where one is due
-- already.
create function pgconductor.insert_occurrences(
  p_tasks text[], p_names text[], p_ats timestamptz[], p_ids uuid[], p_now timestamptz)
returns text[]
language sql set jit = off as $$
  with created as (
    insert into pgconductor.executions
      (id, queue, task_key, payload, run_at, origin, origin_name, gated)
    select o.id, t.queue, o.task_key, coalesce(s.payload, 'null'), o.at, 'scheduled', o.name,
           t.gated
    from unnest(p_tasks, p_names, p_ats, p_ids) as o(task_key, name, at, id)
    join pgconductor.tasks t on t.key = o.task_key
    join pgconductor.schedules s on s.task_key = o.task_key and s.name = o.name
    returning queue, run_at
  )
  select coalesce(array_agg(distinct c.queue) filter (where c.run_at <= coalesce(p_now, now())),
                  '{}')
  from created c
$$;

-- Creates the pending occurrences of schedules that have none, in one statement: p_next_ats and
-- p_ids are computed by the caller from the schedules' cron (Postgres has no cron). A schedule
-- that got one meanwhile (another orchestrator, a flush) is left alone. Everything that changes a
-- schedule's pending occurrence holds the advisory lock on 'pgconductor.schedules' (flushes
-- shared, the rest exclusive), taken before the statement that decides, so its snapshot sees what
-- the others committed. Returns the queues with work made ready.
create function pgconductor.create_occurrences(
  p_tasks text[], p_names text[], p_next_ats timestamptz[], p_ids uuid[], p_now timestamptz)
returns text[]
language plpgsql set jit = off as $$
declare
  v_tasks text[];
  v_names text[];
  v_ats   timestamptz[];
  v_ids   uuid[];
begin
  perform pg_advisory_xact_lock(hashtext('pgconductor.schedules'));
  with due as (
    update pgconductor.schedules s
    set next_at = n.next_at, next_id = n.id, updated_at = now()
    from unnest(p_tasks, p_names, p_next_ats, p_ids) as n(task_key, name, next_at, id)
    where s.task_key = n.task_key and s.name = n.name
      and (s.next_id is null
           or not exists (select 1 from pgconductor.executions e where e.id = s.next_id))
    returning s.task_key, s.name, s.next_at, s.next_id
  )
  select array_agg(d.task_key), array_agg(d.name), array_agg(d.next_at), array_agg(d.next_id)
    into v_tasks, v_names, v_ats, v_ids
  from due d;
  return pgconductor.insert_occurrences(v_tasks, v_names, v_ats, v_ids, p_now);
end $$;

-- Removes pending occurrences of schedules that changed or went. One that runs, or whose row a
-- flush holds, is left: it finishes, and its schedule does not move on from it.
create function pgconductor.drop_occurrences(p_ids uuid[]) returns void
language sql set jit = off as $$
  delete from pgconductor.executions e
  where e.id in (select d.id from pgconductor.executions d
                 where d.id = any (p_ids) and d.locked_by is null and d.origin = 'scheduled'
                 for update skip locked)
$$;

-- Schedules of the given tasks without a pending occurrence: what the caller computes the next
-- occurrence of (the cron lives here) for pgconductor.create_occurrences.
create function pgconductor.schedules_to_fill(p_tasks text[])
returns table (task_key text, name text, cron text, time_zone text)
language sql stable set jit = off as $$
  select s.task_key, s.name, s.cron, s.time_zone
  from pgconductor.schedules s
  where s.task_key = any (p_tasks)
    and (s.next_id is null
         or not exists (select 1 from pgconductor.executions e where e.id = s.next_id))
$$;

-- The static schedules of the tasks an orchestrator runs, as its code declares them: new ones are
-- added, changed ones replace their pending occurrence (unless it runs), and those gone from the
-- code are removed with their pending occurrence. Dynamic schedules are left alone, unless a
-- static one takes over a name (static wins). Then the pending occurrences of every schedule of
-- these tasks that has none are created from p_next_ats/p_ids, which the caller computed for the
-- static schedules (pgconductor.schedules_to_fill gives the others). Returns the queues with work
-- made ready.
create function pgconductor.register_schedules(
  p_served text[], p_tasks text[], p_names text[], p_crons text[], p_zones text[],
  p_next_ats timestamptz[], p_ids uuid[], p_now timestamptz)
returns text[]
language plpgsql set jit = off as $$
declare
  v_dropped uuid[];
begin
  perform pg_advisory_xact_lock(hashtext('pgconductor.schedules'));
  with gone as (
    delete from pgconductor.schedules s
    where s.task_key = any (p_served) and not s.dynamic
      and (s.task_key, s.name) not in (select * from unnest(p_tasks, p_names))
    returning s.next_id
  ),
  changed as (
    update pgconductor.schedules s
    set cron = n.cron, time_zone = n.zone, dynamic = false, payload = null, next_at = null,
        next_id = null, updated_at = now()
    from unnest(p_tasks, p_names, p_crons, p_zones) as n(task_key, name, cron, zone),
         pgconductor.schedules old
    where s.task_key = n.task_key and s.name = n.name
      and old.task_key = s.task_key and old.name = s.name
      and (s.cron, s.time_zone, s.dynamic) is distinct from (n.cron, n.zone, false)
    returning old.next_id as old_next_id
  )
  select coalesce(array_agg(g.next_id) filter (where g.next_id is not null), '{}')
         || coalesce((select array_agg(c.old_next_id) from changed c
                      where c.old_next_id is not null), '{}')
    into v_dropped
  from gone g;
  -- their pending occurrences go too, unless one already runs (it finishes, and ends there)
  perform pgconductor.drop_occurrences(v_dropped);
  insert into pgconductor.schedules (task_key, name, cron, time_zone, dynamic)
  select * , false from unnest(p_tasks, p_names, p_crons, p_zones)
  on conflict (task_key, name) do nothing;
  return pgconductor.create_occurrences(p_tasks, p_names, p_next_ats, p_ids, p_now);
end $$;

-- A dynamic schedule: creates it or replaces the one of that name (its pending occurrence is
-- replaced too, unless it runs), and creates its first occurrence from p_next_at/p_id. Refuses
-- the name of a static schedule. Returns the queues with work made ready.
create function pgconductor.schedule(
  p_task text, p_name text, p_cron text, p_zone text, p_payload jsonb, p_next_at timestamptz,
  p_id uuid, p_now timestamptz)
returns text[]
language plpgsql set jit = off as $$
declare
  v_old uuid;
begin
  perform pg_advisory_xact_lock(hashtext('pgconductor.schedules'));
  if exists (select 1 from pgconductor.schedules
             where task_key = p_task and name = p_name and not dynamic) then
    raise exception 'task "%" has a static schedule named "%"; a dynamic schedule needs another name',
      p_task, p_name using errcode = 'P0001', hint = 'pgconductor:static-schedule';
  end if;
  select next_id into v_old from pgconductor.schedules where task_key = p_task and name = p_name;
  perform pgconductor.drop_occurrences(array[v_old]);
  insert into pgconductor.schedules as s (task_key, name, cron, time_zone, payload, dynamic)
  values (p_task, p_name, p_cron, p_zone, p_payload, true)
  on conflict (task_key, name) do update
    set cron = excluded.cron, time_zone = excluded.time_zone, payload = excluded.payload,
        next_at = null, next_id = null, updated_at = now();
  return pgconductor.create_occurrences(array[p_task], array[p_name], array[p_next_at],
                                        array[p_id], p_now);
end $$;

-- Removes a dynamic schedule and its pending occurrence (unless it runs: it finishes, and the
-- schedule ends there). Returns whether there was one. Refuses a static schedule.
create function pgconductor.unschedule(p_task text, p_name text)
returns boolean
language plpgsql set jit = off as $$
declare
  v_gone pgconductor.schedules;
begin
  perform pg_advisory_xact_lock(hashtext('pgconductor.schedules'));
  if exists (select 1 from pgconductor.schedules
             where task_key = p_task and name = p_name and not dynamic) then
    raise exception 'schedule "%" of task "%" is static: remove its cron trigger from the code',
      p_name, p_task using errcode = 'P0001', hint = 'pgconductor:static-schedule';
  end if;
  delete from pgconductor.schedules where task_key = p_task and name = p_name
  returning * into v_gone;
  if v_gone.task_key is null then
    return false;
  end if;
  perform pgconductor.drop_occurrences(array[v_gone.next_id]);
  return true;
end $$;

-- After a flush finished scheduled executions: each schedule whose pending occurrence was one of
-- them moves on to the next occurrence, which the worker computed (p_next_ats, p_ids), created in
-- the flush's transaction so that no crash can leave a schedule without one. The advisory lock,
-- shared here and exclusive in pgconductor.create_occurrences, serializes the two. Returns the
-- queues made ready.
create function pgconductor.advance_schedules(
  p_finished uuid[], p_next_ats timestamptz[], p_ids uuid[], p_now timestamptz)
returns text[]
language plpgsql set jit = off as $$
declare
  v_tasks text[];
  v_names text[];
  v_ats   timestamptz[];
  v_ids   uuid[];
begin
  -- shared: flushes do not wait for each other, only for what replaces pending occurrences
  perform pg_advisory_xact_lock_shared(hashtext('pgconductor.schedules'));
  with advanced as (
    update pgconductor.schedules s
    set next_at = n.next_at, next_id = n.id, updated_at = now()
    from unnest(p_finished, p_next_ats, p_ids) as n(finished, next_at, id)
    where s.next_id = n.finished and n.next_at is not null
    returning s.task_key, s.name, s.next_at, s.next_id
  )
  select array_agg(a.task_key), array_agg(a.name), array_agg(a.next_at), array_agg(a.next_id)
    into v_tasks, v_names, v_ats, v_ids
  from advanced a;
  return pgconductor.insert_occurrences(v_tasks, v_names, v_ats, v_ids, p_now);
end $$;

-- ============================================================================================
-- Events
-- ============================================================================================

-- The selected fields of a payload, nested as in the payload: {"plan": …, "user": {"email": …}}
-- for the paths plan and user.email. A path the payload lacks is left out.
create function pgconductor.select_fields(p_payload jsonb, p_fields text[]) returns jsonb
language plpgsql immutable set jit = off as $$
declare
  v_result jsonb := '{}';
  v_field  text;
  v_path   text[];
  v_value  jsonb;
begin
  if p_fields is null then
    return p_payload;
  end if;
  foreach v_field in array p_fields loop
    v_path := string_to_array(v_field, '.');
    v_value := p_payload #> v_path;
    if v_value is null then
      continue;
    end if;
    for i in 1 .. cardinality(v_path) - 1 loop
      if jsonb_typeof(v_result #> v_path[1:i]) is distinct from 'object' then
        v_result := jsonb_set(v_result, v_path[1:i], '{}');
      end if;
    end loop;
    v_result := jsonb_set(v_result, v_path, v_value);
  end loop;
  return v_result;
end $$;

-- Whether a subscription's condition holds for a payload. The condition was checked to be one
-- boolean expression when it was registered (pgconductor.register_subscriptions).
create function pgconductor.condition_holds(p_condition text, p_payload jsonb) returns boolean
language plpgsql stable set jit = off as $$
declare
  v_holds boolean;
begin
  if p_condition is null then
    return true;
  end if;
  execute format('select (%s)::boolean from (select $1 as payload) as event', p_condition)
    into v_holds using p_payload;
  return coalesce(v_holds, false);
end $$;

-- Stores events and creates, in the same transaction, one execution per subscription whose
-- condition holds: origin 'emitted', origin_name the event's name, the payload or its selected
-- fields. An id given twice (a retried emit, an emit memoized by a handler) stores nothing the
-- second time. Execution ids start with the event id's time, and are derived from the event and
-- the task, so they too are the same on every try. Returns the queues made ready.
create function pgconductor.emit(
  p_ids uuid[], p_name text, p_payloads text[], p_now timestamptz,
  p_notify_always boolean default false, p_trace_context text default null)
returns text[]
language plpgsql set jit = off as $$
declare
  v_queues text[];
begin
  with stored as (
    insert into pgconductor.events (id, name, payload, emitted_at)
    select e.id, p_name, e.payload::jsonb, coalesce(p_now, now())
    from unnest(p_ids, p_payloads) as e(id, payload)
    on conflict (id) do nothing
    returning id, payload
  ),
  fanned as (
    insert into pgconductor.executions
      (id, queue, task_key, payload, run_at, origin, origin_name, gated, trace_context)
    select encode(substring(uuid_send(e.id) from 1 for 6)
                  || substring(decode(md5(e.id::text || '/' || s.task_key), 'hex') from 7 for 10),
                  'hex')::uuid,
           t.queue, s.task_key, pgconductor.select_fields(e.payload, s.fields),
           coalesce(p_now, now()), 'emitted', p_name, t.gated, p_trace_context::jsonb
    from stored e
    join pgconductor.subscriptions s on s.event = p_name
    join pgconductor.tasks t on t.key = s.task_key
    where pgconductor.condition_holds(s.condition, e.payload)
    returning queue
  )
  select coalesce(array_agg(distinct f.queue), '{}') into v_queues from fanned f;
  if p_notify_always then -- the caller's own transaction: see pgconductor.invoke
    perform pg_notify('pgconductor', q) from unnest(v_queues) q;
  else
    perform pgconductor.notify_ready(v_queues);
  end if;
  return v_queues;
end $$;

-- The subscriptions of the tasks an orchestrator runs, as its code declares them: added,
-- changed, or removed when they left the code. Each condition is checked first to be one boolean
-- expression over `payload` (an error names it); nothing is written if one is not.
create function pgconductor.register_subscriptions(
  p_served text[], p_events text[], p_tasks text[], p_fields jsonb[], p_conditions text[])
returns void
language plpgsql set jit = off as $$
declare
  v_condition text;
  v_ignored   boolean;
begin
  foreach v_condition in array p_conditions loop
    continue when v_condition is null;
    -- a second net under the check of the Java side: nothing that could end the expression
    if v_condition ~ '[;$]|--|/\*' then
      raise exception 'the condition "%" of a subscription may not contain ; $ -- or /*',
        v_condition using errcode = 'P0001', hint = 'pgconductor:bad-condition';
    end if;
    begin
      execute format('select (%s)::boolean from (select %L::jsonb as payload) as event limit 0',
                     v_condition, '{}')
        into v_ignored;
    exception when others then
      raise exception 'the condition "%" of a subscription is not a boolean expression over payload: %',
        v_condition, sqlerrm using errcode = 'P0001', hint = 'pgconductor:bad-condition';
    end;
  end loop;
  delete from pgconductor.subscriptions s
  where s.task_key = any (p_served)
    and (s.event, s.task_key) not in (select * from unnest(p_events, p_tasks));
  insert into pgconductor.subscriptions as s (event, task_key, fields, condition)
  select n.event, n.task_key,
         case when n.fields is null then null
              else array(select jsonb_array_elements_text(n.fields)) end,
         n.condition
  from unnest(p_events, p_tasks, p_fields, p_conditions) as n(event, task_key, fields, condition)
  on conflict (event, task_key) do update
    set fields = excluded.fields, condition = excluded.condition, updated_at = now()
    where (s.fields, s.condition) is distinct from (excluded.fields, excluded.condition);
end $$;

-- ============================================================================================
-- Row-change triggers
-- ============================================================================================

-- Names of the trigger and of its function for one subscription. The trigger's name is unique on
-- its table (task and operation); the function's across the schema.
create function pgconductor.row_trigger_name(p_task text, p_operation text) returns text
language sql immutable as $$
  select 'pgconductor_' || p_operation || '_' || left(md5(p_task), 12)
$$;

create function pgconductor.row_trigger_function(
  p_task text, p_schema text, p_table text, p_operation text) returns text
language sql immutable as $$
  select 'row_change_' || left(md5(p_task || '/' || p_schema || '/' || p_table || '/' || p_operation), 20)
$$;

-- A base for the ids of the executions one statement creates (see pgconductor.row_id): the
-- statement's time in milliseconds and the version as the high 64 bits of a version 7 UUID, and
-- 62 random bits to which each row adds its number. A UUID function per row costs more than the
-- rest of the row.
create function pgconductor.row_id_base(out high text, out low bigint)
language plpgsql volatile set jit = off as $$
declare
  v_random text := replace(gen_random_uuid()::text, '-', '');
begin
  high := lpad(to_hex(floor(extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0')
          || '7' || substr(v_random, 1, 3);
  low := ('x' || substr(v_random, 17, 16))::bit(64)::bigint & 4611686018427387903;
end $$;

-- The id of the n-th row from a base of pgconductor.row_id_base: a version 7 UUID (RFC 9562
-- variant bits set). Inlined by Postgres into the statement that calls it.
create function pgconductor.row_id(p_high text, p_low bigint, p_n bigint) returns uuid
language sql immutable as $$
  select (p_high || lpad(to_hex(((p_low + p_n) & 4611686018427387903)
                                | (-9223372036854775807 - 1)), 16, '0'))::uuid
$$;

-- Row changes of statements that changed many rows, staged by the trigger in chunks of 1,000 rows
-- (a JSON array each) instead of one execution per row inside the user's statement: inserting
-- executions costs several times what the user's own insert of a row costs. The claims of the
-- queue turn them into executions (pgconductor.expand_row_changes), in the same transaction as
-- they delete them, so each staged row becomes exactly one execution.
create function pgconductor.row_trigger_definition(
  p_task text, p_schema text, p_table text, p_operation text, p_columns text[], p_condition text)
returns text
language plpgsql immutable set jit = off as $$
declare
  v_function text := pgconductor.row_trigger_function(p_task, p_schema, p_table, p_operation);
  v_new      text; -- the new row as jsonb
  v_old      text;
  v_new_json text; -- as json, for staging
  v_old_json text;
  v_from     text;
  v_payload  text;
  v_staged   text;
begin
  if p_columns is null then
    v_new := 'to_jsonb(new) - ''pgconductor_row''';
    v_old := 'to_jsonb(old) - ''pgconductor_row''';
    v_new_json := 'row_to_json(new)';
    v_old_json := 'row_to_json(old)';
  else
    select 'jsonb_build_object(' || string_agg(format('%L, new.%I', c, c), ', ') || ')',
           'jsonb_build_object(' || string_agg(format('%L, old.%I', c, c), ', ') || ')',
           'json_build_object(' || string_agg(format('%L, new.%I', c, c), ', ') || ')',
           'json_build_object(' || string_agg(format('%L, old.%I', c, c), ', ') || ')'
      into v_new, v_old, v_new_json, v_old_json
    from unnest(p_columns) c;
  end if;
  v_from := case p_operation
    when 'insert' then 'pgconductor_new as new'
    when 'delete' then 'pgconductor_old as old'
    else '(select o.*, row_number() over () as pgconductor_row from pgconductor_old o) as old'
         || ' join (select n.*, row_number() over () as pgconductor_row from pgconductor_new n)'
         || ' as new on new.pgconductor_row = old.pgconductor_row' end;
  -- the envelope is a constant; only the rows are built per row (jsonb_build_object with many
  -- arguments costs several microseconds a row on Postgres 15)
  v_payload := format('%L::jsonb || %s',
    jsonb_build_object('tg_op', upper(p_operation), 'schema', p_schema, 'table', p_table),
    case p_operation when 'insert' then format('jsonb_build_object(''new'', %s)', v_new)
                     when 'delete' then format('jsonb_build_object(''old'', %s)', v_old)
                     else format('jsonb_build_object(''old'', %s, ''new'', %s)', v_old, v_new) end);
  v_staged := case p_operation
    when 'insert' then v_new_json
    when 'delete' then v_old_json
    else format('json_build_object(''old'', %s, ''new'', %s)', v_old_json, v_new_json) end;
  return format($f$create or replace function pgconductor.%1$I() returns trigger
language plpgsql set jit = off as $body$
#variable_conflict use_column
declare
  v_task pgconductor.tasks;
  v_id   record;
  v_made bigint;
begin
  select * into v_task from pgconductor.tasks t where t.key = %5$L;
  if not found then
    return null; -- the task was never registered (its schema was reinstalled)
  end if;
  if (select count(*) from %13$s) > 1000 then
    insert into pgconductor.row_changes (queue, task_key, origin_name, envelope, rows)
    select v_task.queue, v_task.key, %3$L, %14$L, json_agg(c.pgconductor_change)::text
    from (select row_number() over () as pgconductor_n, %15$s as pgconductor_change
          from %4$s
          where %6$s) c
    group by (c.pgconductor_n - 1) / 1000;
  else
    v_id := pgconductor.row_id_base();
    insert into pgconductor.executions
      (id, queue, task_key, payload, run_at, origin, origin_name, gated)
    select pgconductor.row_id(v_id.high, v_id.low, row_number() over ()),
           v_task.queue, v_task.key, %2$s, now(), 'row_changed', %3$L,
           v_task.gated
    from %4$s
    where %6$s;
  end if;
  get diagnostics v_made = row_count;
  if v_made > 0 then
    perform pg_notify('pgconductor', v_task.queue);
  end if;
  return null;
end $body$;
create trigger %7$I after %8$s on %9$I.%10$I
  referencing %11$s for each statement execute function pgconductor.%1$I();
comment on trigger %7$I on %9$I.%10$I is %12$L;
$f$,
    v_function, v_payload, p_schema || '.' || p_table || '.' || p_operation, v_from, p_task,
    coalesce('(' || p_condition || ')', 'true'),
    pgconductor.row_trigger_name(p_task, p_operation), p_operation, p_schema, p_table,
    case p_operation when 'insert' then 'new table as pgconductor_new'
                     when 'delete' then 'old table as pgconductor_old'
                     else 'old table as pgconductor_old new table as pgconductor_new' end,
    format('pgconductor: runs task %s on each %s', p_task, p_operation),
    case p_operation when 'delete' then 'pgconductor_old' else 'pgconductor_new' end,
    jsonb_build_object('tg_op', upper(p_operation), 'schema', p_schema, 'table', p_table)::text,
    v_staged);
end $$;

-- Turns the oldest chunk of staged row changes of a queue into executions (see
-- pgconductor.row_trigger_definition), skipping chunks another claim is expanding. Called by
-- claims; returns the number of executions made.
create function pgconductor.expand_row_changes(p_queue text) returns int
language plpgsql set jit = off as $$
declare
  v_id   record := pgconductor.row_id_base();
  v_made int;
begin
  with taken as (
    delete from pgconductor.row_changes c
    where c.id = (select r.id from pgconductor.row_changes r
                  where r.queue = p_queue
                  order by r.id
                  limit 1
                  for update skip locked)
    returning c.*
  )
  insert into pgconductor.executions
    (id, queue, task_key, payload, run_at, origin, origin_name, gated, created_at)
  select pgconductor.row_id(v_id.high, v_id.low, row_number() over ()),
         t.queue, t.task_key,
         t.envelope || case t.envelope->>'tg_op'
                         when 'INSERT' then jsonb_build_object('new', e.change)
                         when 'DELETE' then jsonb_build_object('old', e.change)
                         else jsonb_build_object('old', (e.change->'old') - 'pgconductor_row',
                                                 'new', (e.change->'new') - 'pgconductor_row')
                       end,
         t.created_at, 'row_changed', t.origin_name, coalesce(k.gated, false),
         t.created_at
  from taken t
  cross join lateral jsonb_array_elements(t.rows::jsonb) as e(change)
  left join pgconductor.tasks k on k.key = t.task_key;
  get diagnostics v_made = row_count;
  return v_made;
end $$;

-- The row-change triggers of the tasks an orchestrator runs, as its code declares them: added,
-- changed, or removed when they left the code; pgconductor.apply_row_triggers then makes the
-- Postgres triggers. Each schema, table and column must exist, and each condition must be one
-- boolean expression over new (insert, update) and old (update, delete) that Postgres accepts:
-- an error names what is wrong (hint pgconductor:bad-row-trigger), and nothing is written.
create function pgconductor.register_row_triggers(
  p_served text[], p_tasks text[], p_schemas text[], p_tables text[], p_operations text[],
  p_columns jsonb[], p_conditions text[])
returns void
language plpgsql set jit = off set standard_conforming_strings = on as $$
declare
  r         record;
  v_rel     oid;
  v_kind    "char";
  v_missing text;
  v_from    text;
  v_ignored boolean;
begin
  create temporary table pgconductor_declared on commit drop as
  select n.task, n.schema_name, n.table_name, n.operation, n.condition,
         case when n.columns is null then null
              else array(select jsonb_array_elements_text(n.columns)) end as columns
  from unnest(p_tasks, p_schemas, p_tables, p_operations, p_columns, p_conditions)
    as n(task, schema_name, table_name, operation, columns, condition);
  for r in select * from pgconductor_declared loop
    if not exists (select 1 from pg_namespace where nspname = r.schema_name) then
      raise exception 'task "%": schema "%" does not exist', r.task, r.schema_name
        using errcode = 'P0001', hint = 'pgconductor:bad-row-trigger';
    end if;
    v_rel := null;
    select c.oid, c.relkind into v_rel, v_kind
    from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
    where ns.nspname = r.schema_name and c.relname = r.table_name;
    if v_rel is null then
      raise exception 'task "%": table "%.%" does not exist', r.task, r.schema_name, r.table_name
        using errcode = 'P0001', hint = 'pgconductor:bad-row-trigger';
    elsif v_kind not in ('r', 'p') then
      raise exception 'task "%": "%.%" is not a table (row-change triggers need a table)',
        r.task, r.schema_name, r.table_name
        using errcode = 'P0001', hint = 'pgconductor:bad-row-trigger';
    end if;
    v_missing := null;
    select c into v_missing from unnest(r.columns) c
    where not exists (select 1 from pg_attribute a
                      where a.attrelid = v_rel and a.attname = c and a.attnum > 0
                        and not a.attisdropped)
    limit 1;
    if v_missing is not null then
      raise exception 'task "%": column "%" does not exist in table "%.%"',
        r.task, v_missing, r.schema_name, r.table_name
        using errcode = 'P0001', hint = 'pgconductor:bad-row-trigger';
    end if;
    if r.condition is not null then
      -- a second net under the check of the Java side: nothing that could end the expression
      if r.condition ~ '[;$]|--|/\*' then
        raise exception 'task "%": the condition "%" may not contain ; $ -- or /*',
          r.task, r.condition using errcode = 'P0001', hint = 'pgconductor:bad-row-trigger';
      end if;
      v_from := case r.operation
        when 'insert' then format('%I.%I as new', r.schema_name, r.table_name)
        when 'delete' then format('%I.%I as old', r.schema_name, r.table_name)
        else format('%I.%I as old, %I.%I as new', r.schema_name, r.table_name,
                    r.schema_name, r.table_name) end;
      begin
        execute format('select (%s)::boolean from %s limit 0', r.condition, v_from)
          into v_ignored;
      exception when others then
        raise exception 'task "%": the condition "%" on % of %.% is not a boolean expression over %: %',
          r.task, r.condition, r.operation, r.schema_name, r.table_name,
          case r.operation when 'insert' then 'new' when 'delete' then 'old'
                           else 'new and old' end,
          sqlerrm using errcode = 'P0001', hint = 'pgconductor:bad-row-trigger';
      end;
    end if;
  end loop;

  perform pg_advisory_xact_lock(hashtext('pgconductor.row_triggers'));
  delete from pgconductor.row_triggers w
  where w.task_key = any (p_served)
    and not exists (select 1 from pgconductor_declared d
                    where (d.task, d.schema_name, d.table_name, d.operation)
                          = (w.task_key, w.schema_name, w.table_name, w.operation));
  insert into pgconductor.row_triggers as w
    (task_key, schema_name, table_name, operation, columns, condition, definition)
  select d.task, d.schema_name, d.table_name, d.operation, d.columns, d.condition,
         pgconductor.row_trigger_definition(d.task, d.schema_name, d.table_name, d.operation,
                                            d.columns, d.condition)
  from pgconductor_declared d
  on conflict (task_key, schema_name, table_name, operation) do update
    set columns = excluded.columns, condition = excluded.condition,
        definition = excluded.definition, updated_at = now()
    where w.definition is distinct from excluded.definition;
  drop table pgconductor_declared;
end $$;

-- Makes the Postgres triggers match pgconductor.row_triggers: drops the triggers (and functions)
-- pgconductor made that no subscription wants any more, and (re)makes each trigger that is
-- missing or was made from another definition. Creating a trigger needs the TRIGGER privilege on
-- the table, and dropping one its ownership, so an operator may run this as a more privileged
-- role (docs/row-triggers.md). Does nothing when all is in place. Returns what it did.
create function pgconductor.apply_row_triggers()
returns table (action text, trigger_name text, on_table text, task_key text)
language plpgsql set jit = off set lock_timeout = '30s' as $$
declare
  r record;
begin
  perform pg_advisory_xact_lock(hashtext('pgconductor.row_triggers'));
  for r in
    select t.tgname, t.tgrelid::regclass as rel
    from pg_trigger t
    join pg_proc p on p.oid = t.tgfoid
    where p.pronamespace = 'pgconductor'::regnamespace and p.proname like 'row\_change\_%'
      and not exists (
        select 1 from pgconductor.row_triggers w
        where pgconductor.row_trigger_function(w.task_key, w.schema_name, w.table_name,
                                               w.operation) = p.proname
          and pgconductor.row_trigger_name(w.task_key, w.operation) = t.tgname)
  loop
    execute format('drop trigger %I on %s', r.tgname, r.rel);
    return query select 'dropped', r.tgname::text, r.rel::text, null::text;
  end loop;
  for r in
    select p.oid::regprocedure as fn from pg_proc p
    where p.pronamespace = 'pgconductor'::regnamespace and p.proname like 'row\_change\_%'
      and not exists (select 1 from pg_trigger t where t.tgfoid = p.oid)
      and not exists (
        select 1 from pgconductor.row_triggers w
        where pgconductor.row_trigger_function(w.task_key, w.schema_name, w.table_name,
                                               w.operation) = p.proname)
  loop
    execute format('drop function %s', r.fn);
  end loop;
  for r in
    select w.*, pgconductor.row_trigger_name(w.task_key, w.operation) as tgname,
           format('%I.%I', w.schema_name, w.table_name) as rel
    from pgconductor.row_triggers w
    where w.installed is distinct from w.definition
       or not exists (
         select 1 from pg_trigger t
         join pg_class c on c.oid = t.tgrelid
         join pg_namespace ns on ns.oid = c.relnamespace
         where ns.nspname = w.schema_name and c.relname = w.table_name
           and t.tgname = pgconductor.row_trigger_name(w.task_key, w.operation))
    order by w.schema_name, w.table_name, w.operation, w.task_key
  loop
    execute format('drop trigger if exists %I on %s', r.tgname, r.rel);
    execute r.definition;
    update pgconductor.row_triggers w set installed = r.definition
    where (w.task_key, w.schema_name, w.table_name, w.operation)
          = (r.task_key, r.schema_name, r.table_name, r.operation);
    return query select 'created', r.tgname, r.rel, r.task_key;
  end loop;
end $$;

-- ============================================================================================
-- Claim
-- ============================================================================================

-- Claims up to p_limit ready executions of the given tasks on one queue, in priority, run_at, id
-- order, skipping rows others hold; each claim counts an attempt and bumps the lease. Returns what
-- a run needs: the payload, where it came from, how long it waited after it was due, the recorded
-- steps of a resumed execution, the database time of the claim (sleeps are measured against it),
-- a cancellation requested while it was not running, and for an occurrence of a schedule that
-- schedule's cron and the occurrence's time.
--
-- Within concurrency limits: for each limited task among p_tasks the claim takes an advisory lock
-- without waiting (a task another claim serves right now is left to it), counts the task's
-- claimed executions in a fresh snapshot, and takes at most the free slots from the gated index;
-- the two scans are merged in claim order. Rows of a limited task met in the main index (an invoke
-- that raced the registration, children created by a flush) are gated and left for later claims.
-- A task with a time window is gated too: outside its window it has no free slot, so its
-- executions wait in the gated index without a claim ever walking over them. A batch task is
-- gated as well and has no free slot in ordinary claims: its worker's batch loop claims it with
-- p_batch, which reads the gated index only (and so never walks the queue's other executions).
--
-- A claim commits durably, like every other write: a claim acknowledged to its worker and then
-- lost in a database crash would be claimed again, under the same lease number, by another
-- worker while the first still runs it. Plans are generic (re-planning every call cost more than
-- the claim), and the ordered index scans are kept on partitions autovacuum has not analyzed yet.
create function pgconductor.claim(
  p_orchestrator uuid, p_queue text, p_tasks text[], p_limit int, p_now timestamptz,
  p_batch boolean default false)
returns table (id uuid, task_key text, payload jsonb, attempts int, lease int, parent_id uuid,
               origin pgconductor.origin, origin_name text, priority int, run_at timestamptz,
               queue_wait_ms bigint,
               created_at timestamptz, steps jsonb, claimed_at timestamptz, cancel_reason text,
               schedule_cron text, schedule_zone text, scheduled_for timestamptz,
               trace_context text)
language plpgsql
set plan_cache_mode = force_generic_plan set enable_bitmapscan = off set enable_seqscan = off
set jit = off as $$
declare
  v_now     timestamptz := coalesce(p_now, now());
  v_limited text[];
  v_locked  text[];
  v_free    int[];
  v_ids     uuid[];
  v_keys    text[];
  v_prios   int[];
  v_runs    timestamptz[];
  v_gated   uuid[];
begin
  -- An orchestrator declared dead claims nothing until it has registered again. The shared lock
  -- lasts until this claim commits; a rescue or a stop takes it exclusively before removing the
  -- orchestrator, so it waits for a claim in flight and then releases what that claim took.
  perform pg_advisory_xact_lock_shared(hashtext('pgconductor.orchestrator'),
                                       hashtext(p_orchestrator::text));
  -- Nor does one older than a drain request (a breaking migration is waiting for it to stop).
  if not exists (select 1 from pgconductor.orchestrators o
                 where o.id = p_orchestrator
                   and not exists (select 1 from pgconductor.drain_requests r
                                   where r.schema_version > o.schema_version)) then
    return;
  end if;

  -- Row changes of big statements wait staged until a claim of their queue expands them, a chunk
  -- per claim (see pgconductor.row_trigger_definition).
  if exists (select 1 from pgconductor.row_changes r where r.queue = p_queue) then
    perform pgconductor.expand_row_changes(p_queue);
  end if;

  -- a batch claim takes its batch task's executions from the gated index only
  if not p_batch then
    select array_agg(c.id), array_agg(c.task_key), array_agg(c.priority), array_agg(c.run_at)
      into v_ids, v_keys, v_prios, v_runs
    from (select e.id, e.task_key, e.priority, e.run_at
          from pgconductor.executions e
          where e.queue = p_queue and e.locked_by is null and not e.gated
            and e.run_at <= v_now and e.task_key = any (p_tasks)
          order by e.priority desc, e.run_at, e.id
          limit p_limit
          for update skip locked) c;
  end if;

  select coalesce(array_agg(t.key order by t.key), '{}') into v_limited
  from pgconductor.tasks t
  where t.key = any (p_tasks) and t.gated;

  if cardinality(v_limited) > 0 then
    if v_keys && v_limited then
      select array_agg(k.id) filter (where k.task_key = any (v_limited)),
             array_agg(k.id order by k.n) filter (where not (k.task_key = any (v_limited))),
             array_agg(k.priority order by k.n) filter (where not (k.task_key = any (v_limited))),
             array_agg(k.run_at order by k.n) filter (where not (k.task_key = any (v_limited)))
        into v_gated, v_ids, v_prios, v_runs
      from unnest(v_ids, v_keys, v_prios, v_runs) with ordinality as k(id, task_key, priority, run_at, n);
      update pgconductor.executions e set gated = true
      where e.queue = p_queue and e.id = any (v_gated);
    end if;

    -- a task with only a window has no slots to count, so no lock either
    select coalesce(array_agg(t.key order by t.key), '{}') into v_locked
    from pgconductor.tasks t
    where t.key = any (v_limited)
      and case when t.concurrency is null then true
               else pg_try_advisory_xact_lock(hashtext('pgconductor.concurrency'), hashtext(t.key))
          end;

    -- a new statement, so a new snapshot: taken after the locks were granted. A task outside its
    -- window has no free slot.
    select coalesce(array_agg(t.key), '{}'),
           coalesce(array_agg(
             case when t.batch_size is not null and not p_batch then 0
                  when t.window_from is not null
                       and pgconductor.window_opens(t.window_from, t.window_to, t.window_zone,
                                                    v_now) is not null then 0
                  when t.concurrency is null then p_limit
                  else t.concurrency - (select count(*) from pgconductor.executions r
                                        where r.task_key = t.key and r.gated
                                          and r.locked_by is not null) end), '{}')
      into v_locked, v_free
    from pgconductor.tasks t
    where t.key = any (v_locked);

    if exists (select 1 from unnest(v_free) f where f > 0) then
      select array_agg(c.id order by c.priority desc, c.run_at, c.id) into v_ids
      from (select * from unnest(v_ids, v_prios, v_runs) as u(id, priority, run_at)
            union all
            select g.id, g.priority, g.run_at
            from unnest(v_locked, v_free) as s(task_key, free)
            cross join lateral (
              select e.id, e.priority, e.run_at
              from pgconductor.executions e
              where e.queue = p_queue and e.gated and e.locked_by is null
                and e.run_at <= v_now and e.task_key = s.task_key
              order by e.priority desc, e.run_at, e.id
              limit least(s.free, p_limit)
              for update skip locked) g
            where s.free > 0
            order by priority desc, run_at, id
            limit p_limit) c;
    end if;
  end if;

  return query
  with claimed as (
    update pgconductor.executions e
    set locked_by = p_orchestrator, locked_at = now(), attempts = e.attempts + 1,
        lease = e.lease + 1, wait_kind = null
    where e.id = any (v_ids) and e.queue = p_queue
    returning e.id, e.task_key, e.payload, e.attempts, e.lease, e.parent_id, e.origin,
              e.origin_name, e.priority, e.run_at, e.created_at, e.lease > 1 as resumed,
              e.cancel_reason, e.trace_context
  )
  select c.id, c.task_key, c.payload, c.attempts, c.lease, c.parent_id, c.origin, c.origin_name,
         c.priority, c.run_at, (extract(epoch from v_now - c.run_at) * 1000)::bigint,
         c.created_at,
         -- a resumed execution's recorded steps, one JSON object by step name
         case when c.resumed then
           (select jsonb_object_agg(s.name, jsonb_build_object(
                     'done', s.done, 'result', s.result, 'error', s.error, 'child', s.child_id,
                     'deadline', s.deadline, 'attempt', s.attempt))
            from pgconductor.steps s where s.execution_id = c.id)
         end,
         v_now, c.cancel_reason, s.cron, s.time_zone, s.next_at, c.trace_context::text
  from claimed c
  -- an occurrence of a schedule: its cron, to compute the next one, and when it was due
  left join lateral (
    select s.cron, s.time_zone, s.next_at from pgconductor.schedules s
    where c.origin = 'scheduled' and s.next_id = c.id) s on true
  order by c.priority desc, c.run_at, c.id;
end $$;

-- ============================================================================================
-- Steps
-- ============================================================================================

-- Records plain step results of many executions in one statement (group commit), each only while
-- the caller still holds the execution's lease. Returns the positions (1-based, in input order)
-- of the steps not recorded because the lease was lost: usually none. The insert is plain; a step
-- already stored (a lost lease raced a rescue, or a name recorded twice) fails it with a unique
-- violation, and only then is it redone keeping the stored rows.
create function pgconductor.record_steps(
  p_orchestrator uuid, p_queues text[], p_ids uuid[], p_leases int[], p_names text[],
  p_results text[])
returns int[]
language plpgsql set plan_cache_mode = force_generic_plan set enable_seqscan = off set jit = off as $$
declare
  v_queue  text;
  v_ids    uuid[] := '{}';
  v_leases int[] := '{}';
  v_count  bigint;
  v_lost   int[];
begin
  -- the executions still held, one queue at a time, so only that queue's partition is probed
  foreach v_queue in array (select array_agg(distinct q) from unnest(p_queues) q) loop
    select v_ids || coalesce(array_agg(e.id), '{}'), v_leases || coalesce(array_agg(e.lease), '{}')
      into v_ids, v_leases
    from pgconductor.executions e
    where e.queue = v_queue and e.id = any (p_ids) and e.locked_by = p_orchestrator;
  end loop;
  begin
    insert into pgconductor.steps (execution_id, name, result)
    select r.id, r.name, r.result::jsonb
    from unnest(p_ids, p_leases, p_names, p_results) as r(id, lease, name, result)
    where (r.id, r.lease) in (select * from unnest(v_ids, v_leases));
    get diagnostics v_count = row_count;
  exception when unique_violation then
    insert into pgconductor.steps (execution_id, name, result)
    select r.id, r.name, r.result::jsonb
    from unnest(p_ids, p_leases, p_names, p_results) as r(id, lease, name, result)
    where (r.id, r.lease) in (select * from unnest(v_ids, v_leases))
    on conflict (execution_id, name) do nothing;
    v_count := -1;
  end;
  if v_count = cardinality(p_ids) then
    return '{}';
  end if;
  select coalesce(array_agg(r.ord order by r.ord), '{}') into v_lost
  from unnest(p_ids, p_leases) with ordinality as r(id, lease, ord)
  where (r.id, r.lease) not in (select * from unnest(v_ids, v_leases));
  return v_lost;
end $$;

-- ============================================================================================
-- Finishing
-- ============================================================================================

-- After executions finished: the parents waiting on those in p_children get the outcome in their
-- step and are woken, and the steps of those in p_with_steps are removed. Returns the queues of
-- the parents woken, for the caller to notify. Called by every path that finishes executions,
-- with just the ids that need it. Rows are found by index from the few ids given (nested loops
-- allowed, unlike in the flush that calls it).
create function pgconductor.after_finish(p_children uuid[], p_with_steps uuid[], p_now timestamptz)
returns text[]
language plpgsql set enable_nestloop = on set enable_seqscan = off set jit = off as $$
declare
  v_woken text[] := '{}';
begin
  if cardinality(p_children) > 0 then
    with stepped as (
      update pgconductor.steps s
      set done = true,
          result = case when f.state = 'completed' then f.result end,
          error = case when f.state <> 'completed'
                       then coalesce(f.last_error, 'execution ' || f.state) end
      from pgconductor.finished_executions f
      where f.id = any (p_children) and s.execution_id = f.parent_id and s.child_id = f.id
        and not s.done
      returning s.execution_id
    ),
    -- no filter on locked_by: a parent still running keeps the 'woken' mark, and its release
    -- then leaves it ready
    woken as (
      update pgconductor.executions p
      set run_at = least(p.run_at, coalesce(p_now, now())), wait_kind = 'woken'
      from stepped
      where p.id = stepped.execution_id
      returning p.queue
    )
    select coalesce(array_agg(distinct w.queue), '{}') into v_woken from woken w;
  end if;
  if cardinality(p_with_steps) > 0 then
    delete from pgconductor.steps where execution_id = any (p_with_steps);
  end if;
  return v_woken;
end $$;

-- Writes back the outcomes of a batch of executions of one queue (the ids, and the rest as a
-- pgconductor.outcome_batch) in one transaction. Rows whose lease the caller no longer holds are left alone. An
-- execution whose cancellation was requested while it ran ends cancelled, unless it completed. A
-- waiting parent's new child is created here, so it exists if and only if the parent's wait does.
-- Returns how many rows the caller still held, and the queues where work became ready (new
-- children, woken parents, released executions) that had no worker listed idle: the caller calls
-- notify_ready with them once this has committed.
--
-- The batch is joined to its executions by hashing (the planner, believing locked_by =
-- p_orchestrator matches one row, would loop over the batch for every row of the partition), and
-- every row is found by key: no nested loops, no sequential scans, generic plans.
create function pgconductor.flush(
  p_orchestrator uuid, p_queue text, p_ids uuid[], p_batch pgconductor.outcome_batch,
  p_now timestamptz, out written int, out unnotified text[])
language plpgsql
set plan_cache_mode = force_generic_plan set enable_nestloop = off set enable_seqscan = off
set jit = off as $$
declare
  v_now        timestamptz := coalesce(p_now, now());
  v_total      int := 0;
  v_count      int := 0;
  v_waiting    uuid[];
  v_waiting_leases int[];
  v_children   uuid[];
  v_with_steps uuid[];
  v_scheduled  uuid[];         -- finished scheduled executions with a next occurrence
  v_next_ats   timestamptz[];
  v_next_ids   uuid[];
  v_ready      text[] := '{}'; -- queues with work made ready by this flush
  v_ready_here boolean;
  v_unkept     uuid[];
begin
  if 'failed' = any ((p_batch).kinds) then
    insert into pgconductor.failed_attempts
      (execution_id, queue, attempt, error, error_stack, failed_at)
    select e.id, e.queue, e.attempts, r.error, r.stack, v_now
    from pgconductor.executions e
    join pgconductor.outcome_rows(p_ids, p_batch) r on e.id = r.id and e.lease = r.lease
    where e.queue = p_queue and e.id = any (p_ids) and e.locked_by = p_orchestrator
      and r.kind = 'failed';
  end if;
  with done as (
    delete from pgconductor.executions e
    using pgconductor.outcome_rows(p_ids, p_batch) r
    -- id = any (p_ids): an index condition; the batch is then hash-joined
    where e.queue = p_queue and e.id = any (p_ids) and e.id = r.id and e.lease = r.lease
      and e.locked_by = p_orchestrator
      and (r.kind in ('completed', 'cancelled')
           or (r.kind = 'failed' and e.attempts >= r.max_attempts)
           or (r.kind = 'interrupted' and e.attempts >= r.max_attempts
               and e.abandoned_runs >= pgconductor.free_abandoned_runs())
           or e.cancel_reason is not null) -- cancelled while running: ends now, whatever it did
    returning e.*,
              case when r.kind <> 'completed' and e.cancel_reason is not null then 'cancelled'
                   else r.kind end as final,
              r.result, r.error, r.stack, r.has_steps,
              -- a scheduled execution's next occurrence (see pgconductor.outcome)
              case when e.origin = 'scheduled'
                        and r.kind in ('completed', 'failed', 'cancelled', 'interrupted')
                   then r.run_at end as next_at,
              case when e.origin = 'scheduled'
                        and r.kind in ('completed', 'failed', 'cancelled', 'interrupted')
                   then r.child_id end as next_id
  ),
  moved as (
    -- the columns of pgconductor.finished_row, listed out (see there why)
    insert into pgconductor.finished_executions
      (id, queue, task_key, state, payload, result, priority, attempts, dedupe_key, parent_id,
       origin, origin_name, last_error, last_error_stack, created_at, started_at, finished_at,
       remove_at)
    select d.id, d.queue, d.task_key,
           case d.final when 'completed' then 'completed' when 'cancelled' then 'cancelled'
                        else 'failed' end,
           d.payload, case d.final when 'completed' then coalesce(d.result, 'null') end,
           d.priority, d.attempts, d.dedupe_key, d.parent_id, d.origin, d.origin_name,
           case d.final when 'completed' then d.last_error
                        when 'cancelled' then coalesce(d.cancel_reason, d.error)
                        else d.error end,
           case d.final when 'completed' then d.last_error_stack
                        when 'cancelled' then null
                        else d.stack end,
           d.created_at, d.locked_at, v_now,
           v_now + case when d.final = 'completed' then t.keep_completed else t.keep_failed end
    -- how long each is kept, by its task's retention
    from done d left join pgconductor.tasks t on t.key = d.task_key
    -- removed as they finish (a retention of zero): not written at all, but for a child, whose
    -- parent reads it first
    where d.parent_id is not null
       or (case when d.final = 'completed' then t.keep_completed else t.keep_failed end)
          is distinct from interval '0'
  )
  select count(*),
         coalesce(array_agg(d.id) filter (where d.parent_id is not null), '{}'),
         coalesce(array_agg(d.id) filter (where d.has_steps), '{}'),
         coalesce(array_agg(d.id) filter (where d.next_at is not null), '{}'),
         coalesce(array_agg(d.next_at) filter (where d.next_at is not null), '{}'),
         coalesce(array_agg(d.next_id) filter (where d.next_at is not null), '{}'),
         -- those removed as they finish take their failed attempts with them; one that never
         -- failed has no last_error and costs no look at its task
         coalesce(array_agg(d.id) filter (
           where d.parent_id is null and (d.final <> 'completed' or d.last_error is not null)
             and (select case when d.final = 'completed' then t.keep_completed
                              else t.keep_failed end
                  from pgconductor.tasks t where t.key = d.task_key) = interval '0'), '{}')
    into v_total, v_children, v_with_steps, v_scheduled, v_next_ats, v_next_ids, v_unkept
  from done d;
  if cardinality(v_unkept) > 0 then
    delete from pgconductor.failed_attempts a where a.execution_id = any (v_unkept);
  end if;
  if cardinality(v_children) > 0 or cardinality(v_with_steps) > 0 then
    v_ready := pgconductor.after_finish(v_children, v_with_steps, p_now);
  end if;
  if cardinality(v_children) > 0 then
    -- children removed as they finish go once their parents have read them
    with removed as (
      delete from pgconductor.finished_executions f
      using pgconductor.tasks t
      where f.id = any (v_children) and t.key = f.task_key
        and (case when f.state = 'completed' then t.keep_completed else t.keep_failed end)
            = interval '0'
      returning f.id
    )
    delete from pgconductor.failed_attempts a using removed r where a.execution_id = r.id;
  end if;
  if cardinality(v_scheduled) > 0 then
    v_ready := v_ready || pgconductor.advance_schedules(v_scheduled, v_next_ats, v_next_ids, p_now);
  end if;
  if v_total = cardinality(p_ids) then
    -- every execution of the batch finished: nothing to release or put to wait
    written := v_total;
    unnotified := pgconductor.notify_ready(v_ready);
    return;
  end if;

  with updated as (
    update pgconductor.executions e
    set locked_by = null,
        locked_at = null,
        attempts = case r.kind
                     when 'failed' then e.attempts
                     when 'interrupted' then
                       case when e.abandoned_runs >= pgconductor.free_abandoned_runs()
                            then e.attempts else e.attempts - 1 end
                     else e.attempts - 1 end,
        abandoned_runs = e.abandoned_runs + (r.kind = 'interrupted')::int,
        run_at = case r.kind
                   when 'failed' then v_now + coalesce(r.retry_delay_ms * interval '1 millisecond',
                                                       pgconductor.retry_delay(e.attempts))
                   when 'released' then e.run_at
                   when 'interrupted' then e.run_at
                   when 'unstarted' then e.run_at
                   when 'sleeping' then r.run_at
                   else case when e.wait_kind = 'woken'
                                  or exists (select 1 from pgconductor.steps s
                                             where s.execution_id = e.id and s.name = r.step and s.done)
                             then v_now
                             else coalesce(r.run_at, 'infinity') end
                 end,
        wait_kind = case r.kind
                      when 'released' then 'released'
                      when 'interrupted' then 'released'
                      when 'unstarted' then
                        case when e.dedupe_key is not null and exists (
                                    select 1 from pgconductor.executions d
                                    where d.task_key = e.task_key and d.queue = e.queue
                                      and d.dedupe_key = e.dedupe_key and d.id <> e.id
                                      and d.attempts = 0 and d.locked_by is null
                                      and d.wait_kind is null)
                             then 'released' -- a newer duplicate took its place
                        end
                      when 'sleeping' then 'sleep'
                      when 'waiting' then
                        case when e.wait_kind = 'woken'
                                  or exists (select 1 from pgconductor.steps s
                                             where s.execution_id = e.id and s.name = r.step and s.done)
                             then null else 'child' end
                    end,
        last_error = case when r.kind in ('failed', 'interrupted') then r.error else e.last_error end,
        last_error_stack = case r.kind when 'failed' then r.stack
                                       when 'interrupted' then null
                                       else e.last_error_stack end
    from pgconductor.outcome_rows(p_ids, p_batch) r
    where e.queue = p_queue and e.id = any (p_ids) and e.id = r.id and e.lease = r.lease
      and e.locked_by = p_orchestrator
      and r.kind in ('failed', 'released', 'interrupted', 'unstarted', 'sleeping', 'waiting')
    returning e.id, e.lease, r.kind, e.run_at <= v_now as ready
  )
  select count(*), coalesce(array_agg(u.id) filter (where u.kind = 'waiting'), '{}'),
         coalesce(array_agg(u.lease) filter (where u.kind = 'waiting'), '{}'),
         coalesce(bool_or(u.ready), false)
    into v_count, v_waiting, v_waiting_leases, v_ready_here
  from updated u;
  if v_ready_here then
    v_ready := v_ready || p_queue; -- released, or a parent whose child had already finished
  end if;

  if cardinality(v_waiting) > 0 then
    -- parents now waiting on a child: record the wait (a new child, or a new deadline for the
    -- child of an earlier attempt) and create the new children, all in this transaction
    with waits as (
      select r.* from pgconductor.outcome_rows(p_ids, p_batch) r
      -- by lease too: a batch may also hold a stale outcome of the same execution (one written
      -- by an earlier try whose answer was lost), which must not record its wait again
      join unnest(v_waiting, v_waiting_leases) as v(id, lease) on v.id = r.id and v.lease = r.lease
      where r.kind = 'waiting'
    ),
    recorded as (
      insert into pgconductor.steps as s (execution_id, name, done, child_id, deadline, attempt)
      select w.id, w.step, false, w.child_id, w.run_at, w.attempt from waits w
      on conflict (execution_id, name) do update
        set deadline = excluded.deadline, attempt = excluded.attempt
        where not s.done
    ),
    children as (
      insert into pgconductor.executions
        (id, queue, task_key, payload, run_at, parent_id, origin, trace_context)
      select w.child_id, w.child_queue, w.child_task, coalesce(w.child_payload, 'null'), v_now,
             w.id, 'child', w.child_trace_context
      from waits w
      where w.child_task is not null -- a new child; without one, the child exists already
      on conflict do nothing
      returning queue
    )
    select v_ready || coalesce(array_agg(distinct c.queue), '{}') into v_ready from children c;
  end if;
  written := v_total + v_count;
  -- last, so the window between this check and the commit is as short as it can be
  unnotified := pgconductor.notify_ready(v_ready);
end $$;

-- ============================================================================================
-- Cancel
-- ============================================================================================

-- Cancels an execution and its unfinished descendants. One that is not running fails at once
-- with the reason and never runs; a running one gets the reason recorded and its worker notified,
-- and ends cancelled at its next step or checkpoint. Returns the executions it cancelled (none
-- when the execution is unknown or already finished), saying which were running.
create function pgconductor.cancel(p_id uuid, p_reason text, p_now timestamptz)
returns table (id uuid, task_key text, queue text, running boolean)
language plpgsql set jit = off as $$
declare
  v_gone uuid[];
begin
  create temporary table pgconductor_cancelling on commit drop as
  with recursive tree as (
    select e.id, e.queue, e.task_key, e.locked_by, 0 as depth
    from pgconductor.executions e where e.id = p_id
    union all
    select c.id, c.queue, c.task_key, c.locked_by, t.depth + 1
    from pgconductor.executions c join tree t on c.parent_id = t.id
    where t.depth < 100
  )
  select * from tree;
  -- Lock the rows (in id order), waiting for a claim or a flush of them in flight, then read again
  -- who holds them: from here on nothing can claim or finish them until this commits, so what is
  -- reported running is what gets the cancel request, and the rest is what gets failed.
  perform 1 from pgconductor.executions e join pgconductor_cancelling c
    on e.id = c.id and e.queue = c.queue
  order by e.id
  for update of e;
  delete from pgconductor_cancelling c
  where not exists (select 1 from pgconductor.executions e where e.id = c.id and e.queue = c.queue);
  update pgconductor_cancelling c set locked_by = e.locked_by
  from pgconductor.executions e
  where e.id = c.id and e.queue = c.queue;
  if not exists (select 1 from pgconductor_cancelling c where c.depth = 0) then
    drop table pgconductor_cancelling;
    return;
  end if;

  -- running ones: ask their workers to stop
  update pgconductor.executions e
  set cancel_reason = coalesce(e.cancel_reason,
                               case when c.depth = 0 then p_reason
                                    else 'Parent execution cancelled: ' || p_reason end)
  from pgconductor_cancelling c
  where e.id = c.id and e.queue = c.queue and e.locked_by is not null;
  perform pg_notify('pgconductor_cancel', c.id::text)
  from pgconductor_cancelling c where c.locked_by is not null;

  -- the rest: failed with the reason, never run
  with gone as (
    delete from pgconductor.executions e
    using pgconductor_cancelling c
    where e.id = c.id and e.queue = c.queue and e.locked_by is null
    returning e, c.depth
  ),
  moved as (
    insert into pgconductor.finished_executions
    select f.*
    from gone g,
         lateral pgconductor.finished_row(
           g.e, 'failed', null,
           case when g.depth = 0 then p_reason else 'Parent execution cancelled: ' || p_reason end,
           null, now()) f
  )
  select coalesce(array_agg((g.e).id), '{}') into v_gone from gone g;
  perform pgconductor.notify_ready(pgconductor.after_finish(v_gone, v_gone, p_now));
  return query
  select c.id, c.task_key, c.queue, c.locked_by is not null from pgconductor_cancelling c;
  drop table pgconductor_cancelling;
end $$;

-- Running executions of one orchestrator whose cancellation was requested (the heartbeat's
-- fallback for a missed notification).
create function pgconductor.cancel_requests(p_orchestrator uuid)
returns table (id uuid, reason text)
language sql stable set jit = off as $$
  select e.id, e.cancel_reason from pgconductor.executions e
  where e.locked_by = p_orchestrator and e.cancel_reason is not null
$$;

-- Runs a failed or cancelled execution again: it moves back from finished_executions to the queue,
-- pending and due now, with its attempts counted from zero. Its steps are gone (they are removed
-- when an execution finishes), so the handler starts from the beginning. Returns its task and
-- queue; nothing for an unknown, unfinished or completed execution.
create function pgconductor.retry(p_id uuid, p_now timestamptz)
returns table (task_key text, queue text)
language plpgsql set jit = off as $$
declare
  v_task  text;
  v_queue text;
begin
  with gone as (
    delete from pgconductor.finished_executions f
    where f.id = p_id and f.state in ('failed', 'cancelled')
    returning f.*
  )
  insert into pgconductor.executions as e
    (id, queue, task_key, payload, priority, run_at, attempts, dedupe_key, parent_id, origin,
     origin_name, last_error, last_error_stack, gated, created_at)
  select g.id, g.queue, g.task_key, g.payload, g.priority, coalesce(p_now, now()), 0,
         g.dedupe_key, g.parent_id, g.origin, g.origin_name, g.last_error, g.last_error_stack,
         coalesce(t.gated, false), g.created_at
  from gone g left join pgconductor.tasks t on t.key = g.task_key
  returning e.task_key, e.queue into v_task, v_queue;
  if v_task is null then
    return;
  end if;
  perform pg_notify('pgconductor', v_queue);
  return query select v_task, v_queue;
exception when unique_violation then
  raise exception 'execution % cannot run again: a pending execution of its task has the same dedupe key',
    p_id using errcode = 'P0001', hint = 'pgconductor:retry-dedupe';
end $$;

-- ============================================================================================
-- Orchestrators: heartbeat, rescue, stop
-- ============================================================================================

-- Registers an orchestrator with the tasks it serves, by queue: at start, and again after it
-- was declared dead. Its heartbeat counts as live from now. p_schema_version: the newest schema
-- version its library knows. Returns null, or, registering nothing, the version of a drain
-- request above p_schema_version (a newer library waits for older orchestrators to stop before a
-- breaking migration). The shared lock orders this against pgconductor.request_drain: either the
-- request is seen here, or the requester sees this orchestrator registered.
create function pgconductor.register(
  p_id uuid, p_host text, p_pid bigint, p_queues text[], p_tasks text[],
  p_schema_version int default 0)
returns int
language plpgsql set jit = off as $$
declare
  v_drain int;
begin
  perform pg_advisory_xact_lock_shared(hashtext('pgconductor.drain'), 0);
  select max(r.schema_version) into v_drain
  from pgconductor.drain_requests r where r.schema_version > p_schema_version;
  if v_drain is not null then
    return v_drain;
  end if;
  insert into pgconductor.orchestrators (id, host, pid, schema_version)
  values (p_id, p_host, p_pid, p_schema_version)
  on conflict (id) do update
    set last_heartbeat_at = now(), live_since = now(), schema_version = p_schema_version;
  insert into pgconductor.served_tasks (orchestrator, queue, task_key)
  select p_id, s.queue, s.task_key from unnest(p_queues, p_tasks) as s(queue, task_key)
  on conflict do nothing;
  return null;
end $$;

-- Asks every orchestrator of a schema version below p_schema_version to drain and stop (see
-- pgconductor.drain_requests); a request already there is kept as it was. Taken exclusively, the
-- lock waits for registrations in flight, so the caller's next look at the orchestrators sees
-- them. Called by a library about to apply a breaking migration, against the older schema: this
-- signature never changes.
create function pgconductor.request_drain(p_schema_version int, p_requested_by text)
returns void
language plpgsql set jit = off as $$
begin
  perform pg_advisory_xact_lock(hashtext('pgconductor.drain'), 0);
  insert into pgconductor.drain_requests (schema_version, requested_by)
  values (p_schema_version, p_requested_by)
  on conflict (schema_version) do nothing;
end $$;

-- Releases or fails the executions held by the given orchestrators, which are gone (null: every
-- execution held by an id that is not registered). The run that was lost is an abandoned run:
-- the first few of an execution are given back without counting as attempts
-- (pgconductor.free_abandoned_runs), later ones count. One whose cancellation was requested ends
-- cancelled; one whose abandoned run counts and was its last attempt fails; the rest are ready
-- again with the due time they had, ahead of work that became due since. p_skip_locked: leave executions whose row another transaction holds (a worker
-- frozen inside a transactional step) instead of waiting for it. p_stopped: the orchestrator
-- stopped (its handler outran the grace period) rather than stopped heartbeating. Held
-- executions are found by locked_by, which has no index (every claim would pay for one), so this
-- reads the hot table; it runs only when an orchestrator goes.
create function pgconductor.release_abandoned(
  p_orchestrators uuid[], p_skip_locked boolean, p_stopped boolean, p_now timestamptz)
returns int
language plpgsql set jit = off as $$
declare
  v_ids    uuid[];
  v_queues text[];
  v_gone   uuid[];
  v_woken  text[] := '{}';
  v_count  int;
  v_rows   int;
begin
  if p_skip_locked then
    with held as (
      select e.id, e.queue from pgconductor.executions e
      where e.locked_by = any (p_orchestrators)
      for update skip locked
    )
    select coalesce(array_agg(h.id), '{}'), coalesce(array_agg(h.queue), '{}')
      into v_ids, v_queues
    from held h;
  else
    select coalesce(array_agg(e.id), '{}'), coalesce(array_agg(e.queue), '{}')
      into v_ids, v_queues
    from pgconductor.executions e
    where case when p_orchestrators is null
               then e.locked_by is not null
                    and not exists (select 1 from pgconductor.orchestrators o
                                    where o.id = e.locked_by)
               else e.locked_by = any (p_orchestrators) end;
  end if;
  if cardinality(v_ids) = 0 then
    return 0; -- the usual case: no temporary table
  end if;

  create temporary table pgconductor_abandoned on commit drop as
    select a.id, a.queue from unnest(v_ids, v_queues) as a(id, queue);

  -- Finished here: those whose cancellation was requested while they ran (cancelled: a cancelled
  -- execution never starts again), and those whose abandoned run counts and was the last attempt.
  with gone as (
    delete from pgconductor.executions e
    using pgconductor_abandoned a
    where e.id = a.id and e.queue = a.queue
      and (e.cancel_reason is not null
           or (e.abandoned_runs >= pgconductor.free_abandoned_runs()
               and e.attempts >= (select t.max_attempts from pgconductor.tasks t
                                  where t.key = e.task_key)))
    returning e
  ),
  moved as (
    insert into pgconductor.finished_executions
    select f.*
    from gone g,
         lateral pgconductor.finished_row(
           g.e, case when (g.e).cancel_reason is not null then 'cancelled' else 'failed' end, null,
           coalesce((g.e).cancel_reason,
                    'orchestrator ' || (g.e).locked_by
                    || case when p_stopped
                            then ' stopped while the handler of this execution still ran'
                            else ' stopped heartbeating while running this execution' end
                    || ' (abandoned runs: ' || (g.e).abandoned_runs + 1 || ')'),
           null, now()) f
  )
  select coalesce(array_agg((g.e).id), '{}') into v_gone from gone g;
  v_count := cardinality(v_gone);
  if v_count > 0 then
    v_woken := pgconductor.after_finish(v_gone, v_gone, p_now);
  end if;

  update pgconductor.executions e
  set last_error = 'orchestrator ' || e.locked_by
                   || case when p_stopped
                           then ' stopped while the handler of this execution still ran'
                           else ' stopped heartbeating while running this execution' end,
      last_error_stack = null, locked_by = null, locked_at = null,
      attempts = case when e.abandoned_runs >= pgconductor.free_abandoned_runs()
                      then e.attempts else e.attempts - 1 end,
      abandoned_runs = e.abandoned_runs + 1,
      wait_kind = 'released',
      -- due when it was due before: it goes ahead of work that became due while it ran
      run_at = least(e.run_at, coalesce(p_now, now()))
  from pgconductor_abandoned a
  where e.id = a.id and e.queue = a.queue;
  get diagnostics v_rows = row_count;
  drop table pgconductor_abandoned;
  perform pgconductor.notify_ready(v_queues || v_woken);
  return v_count + v_rows;
end $$;

-- Releases or fails what orchestrators that stopped heartbeating were running, and forgets them;
-- then ungates executions of tasks that lost their concurrency limit. Returns how many executions
-- were released or failed. Liveness is judged by the database clock; p_now (a test clock, or
-- null) only dates the rerun.
--
-- Who may judge: only a rescuer (p_rescuer; null: anyone, for tests and tools) that has itself
-- heartbeated without a gap for a whole timeout. After an outage every orchestrator looks stale;
-- the first one back must not take the others' work before they had the same chance to beat.
--
-- It never waits: an orchestrator whose claim is still in flight, or whose execution's row is
-- locked (a frozen worker inside a transactional step), keeps what cannot be taken now and stays
-- registered, still stale, for a later rescue; the engine's sessions cannot hold such a lock for
-- longer than the heartbeat timeout (see docs/guarantees.md). lock_timeout bounds anything else.
create function pgconductor.rescue(p_rescuer uuid, p_timeout interval, p_now timestamptz)
returns int
language plpgsql set jit = off set lock_timeout = '5s' as $$
declare
  v_dead  uuid[];
  v_count int := 0;
begin
  perform pgconductor.ungate_unlimited();
  if p_rescuer is not null and not exists (
       select 1 from pgconductor.orchestrators o
       where o.id = p_rescuer and o.live_since <= now() - p_timeout
         and o.last_heartbeat_at > now() - p_timeout / 2) then
    return 0;
  end if;
  -- the stale ones, locked so that a heartbeat of theirs waits for this rescue and then finds out;
  -- a claim of theirs in flight (it holds the shared lock) makes this rescue leave them for later
  with stale as (
    select o.id from pgconductor.orchestrators o
    where o.last_heartbeat_at < now() - p_timeout and o.id is distinct from p_rescuer
    order by o.id
    for update skip locked
  )
  select coalesce(array_agg(s.id order by s.id), '{}') into v_dead
  from stale s
  where pg_try_advisory_xact_lock(hashtext('pgconductor.orchestrator'), hashtext(s.id::text));
  if cardinality(v_dead) = 0 then
    return 0;
  end if;
  v_count := pgconductor.release_abandoned(v_dead, true, false, p_now);
  -- forget those that hold nothing any more
  perform set_config('pgconductor.releasing', 'on', true); -- released above, not by the trigger
  delete from pgconductor.orchestrators o
  where o.id = any (v_dead)
    and not exists (select 1 from pgconductor.executions e where e.locked_by = o.id);
  perform set_config('pgconductor.releasing', 'off', true);
  return v_count;
end $$;

-- One heartbeat: alive is false when this orchestrator was declared dead (it registers again).
-- A beat that comes p_timeout - 2 * p_interval or more after the previous one starts a new live
-- period: a gap that long may have been an outage that kept peers from beating too, and a peer
-- stale for p_timeout has then not had the time to beat again (docs/guarantees.md).
-- Only this row is written, so a heartbeat never waits on an execution; the rescue of peers is a
-- separate call (pgconductor.rescue), in a transaction of its own.
-- drain_to: null, or the version of a drain request above this orchestrator's schema version
-- (see pgconductor.drain_requests): it must drain and stop. Every version of the library keeps
-- this signature and these two outputs: older orchestrators call it on a newer schema.
create function pgconductor.heartbeat(
  p_orchestrator uuid, p_timeout interval, p_interval interval,
  out alive boolean, out drain_to int)
language plpgsql set jit = off as $$
declare
  v_version int;
begin
  update pgconductor.orchestrators
  set live_since = case when last_heartbeat_at <= now() - (p_timeout - 2 * p_interval)
                        then now() else live_since end,
      last_heartbeat_at = now(),
      heartbeat_timeout = p_timeout
  where id = p_orchestrator
  returning schema_version into v_version;
  alive := found;
  if alive then
    select max(r.schema_version) into drain_to
    from pgconductor.drain_requests r where r.schema_version > v_version;
  end if;
end $$;

-- An orchestrator's stop: forgets it and releases what it still holds, in one transaction. The
-- workers have written back every run that ended; what is still held here is a handler that did
-- not end even after the grace period and an interrupt, so it is released as an abandoned run
-- (see pgconductor.release_abandoned), and what it was asked to cancel ends cancelled. Returns
-- how many executions it released, cancelled or failed.
create function pgconductor.deregister(p_orchestrator uuid) returns int
language plpgsql set jit = off as $$
begin
  -- a claim of its own still in flight commits first, so the release below sees what it took
  perform pg_advisory_xact_lock(hashtext('pgconductor.orchestrator'), hashtext(p_orchestrator::text));
  perform set_config('pgconductor.releasing', 'on', true); -- released here, not by the trigger
  -- first, so the wake-up below only reaches other workers (the trigger drops its idle marks)
  delete from pgconductor.orchestrators where id = p_orchestrator;
  perform set_config('pgconductor.releasing', 'off', true);
  return pgconductor.release_abandoned(array[p_orchestrator], false, true, null);
end $$;

-- Executions of a queue held by this orchestrator, claimed longer ago than p_older_than, that it
-- does not know (p_known: what its worker holds): left by a claim whose answer was lost. They go
-- back to the queue as if never claimed. Reads the queue's partition by locked_by (no index);
-- orchestrators call it now and then. Returns how many.
create function pgconductor.release_orphans(
  p_orchestrator uuid, p_queue text, p_known uuid[], p_older_than interval)
returns int
language plpgsql set jit = off as $$
declare
  v_count int;
begin
  update pgconductor.executions e
  set locked_by = null, locked_at = null, attempts = e.attempts - 1, wait_kind = 'released'
  where e.queue = p_queue and e.locked_by = p_orchestrator
    and e.locked_at < now() - p_older_than
    and not (e.id = any (p_known));
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform pgconductor.notify_ready(array[p_queue]);
  end if;
  return v_count;
end $$;

-- Ready executions on the given queues of tasks that no registered orchestrator runs on that
-- queue: by queue and task, how many and since when. They wait until one does; orchestrators
-- look for them now and then (docs/orchestrator.md) and say so.
create function pgconductor.unserved(p_queues text[], p_now timestamptz)
returns table (queue text, task_key text, ready bigint, oldest timestamptz)
language sql stable set jit = off as $$
  select e.queue, e.task_key, count(*), min(e.run_at)
  from pgconductor.executions e
  where e.queue = any (p_queues) and e.locked_by is null
    and e.run_at <= coalesce(p_now, now())
    and not exists (select 1 from pgconductor.served_tasks s
                    where s.queue = e.queue and s.task_key = e.task_key)
  group by e.queue, e.task_key
  order by e.queue, e.task_key
$$;

-- Orchestrator rows removed by anything but deregister and rescue (by hand, say): their
-- executions are released as after a crash, once their claims in flight have committed. Their
-- idle marks and served tasks go in every case. So an execution is only ever held by a registered orchestrator,
-- and starting an orchestrator needs no sweep of the hot table.
create function pgconductor.orchestrators_removed() returns trigger
language plpgsql set jit = off as $$
declare
  v_gone uuid[];
begin
  if tg_op = 'TRUNCATE' then
    delete from pgconductor.idle_workers;
    delete from pgconductor.served_tasks;
    if current_setting('pgconductor.releasing', true) is distinct from 'on' then
      perform pgconductor.release_abandoned(null, false, false, null);
    end if;
    return null;
  end if;
  select coalesce(array_agg(g.id order by g.id), '{}') into v_gone from gone g;
  delete from pgconductor.idle_workers where orchestrator = any (v_gone);
  delete from pgconductor.served_tasks where orchestrator = any (v_gone);
  if current_setting('pgconductor.releasing', true) is distinct from 'on'
     and cardinality(v_gone) > 0 then
    perform pg_advisory_xact_lock(hashtext('pgconductor.orchestrator'), hashtext(d::text))
    from unnest(v_gone) as d order by d;
    perform pgconductor.release_abandoned(v_gone, false, false, null);
  end if;
  return null;
end $$;

create trigger orchestrators_removed after delete on pgconductor.orchestrators
  referencing old table as gone
  for each statement execute function pgconductor.orchestrators_removed();
create trigger orchestrators_truncated after truncate on pgconductor.orchestrators
  for each statement execute function pgconductor.orchestrators_removed();

-- ============================================================================================
-- Maintenance
-- ============================================================================================

-- The first time after p_after at the queue's own time of day: a second of the day (UTC) derived
-- from the queue's name, so every orchestrator computes the same time and queues spread out.
create function pgconductor.maintenance_time(p_queue text, p_after timestamptz)
returns timestamptz
language sql immutable as $$
  select case when t > p_after then t else t + interval '1 day' end
  from (select date_trunc('day', p_after at time zone 'UTC') at time zone 'UTC'
               + ((hashtext('pgconductor.maintenance:' || p_queue)::bigint & 2147483647) % 86400)
                 * interval '1 second' as t) d
$$;

-- The queues among p_queues whose daily maintenance is due, each taken by one caller only: its
-- next time moves a day on as it is handed out. A queue seen for the first time is due at its
-- time of day.
create function pgconductor.start_maintenance(p_queues text[], p_now timestamptz)
returns setof text
language plpgsql set jit = off as $$
declare
  v_now timestamptz := coalesce(p_now, now());
begin
  insert into pgconductor.maintenance (queue, next_at)
  select q, pgconductor.maintenance_time(q, v_now) from unnest(p_queues) q
  on conflict do nothing;
  -- a second caller waits for the first's row lock, then finds the time moved on
  return query
  update pgconductor.maintenance m
  set next_at = pgconductor.maintenance_time(m.queue, v_now), last_started_at = v_now
  where m.queue = any (p_queues) and m.next_at <= v_now
  returning m.queue;
end $$;

-- Removes up to p_limit finished executions of a queue whose retention ran out, oldest first; a
-- short transaction of its own, so a maintenance run never holds locks for long. Returns how many
-- it removed in each final state.
create function pgconductor.remove_expired(p_queue text, p_limit int, p_now timestamptz,
  out completed int, out failed int, out cancelled int)
language plpgsql set enable_seqscan = off set jit = off as $$
begin
  with expired as (
    select f.id from pgconductor.finished_executions f
    where f.queue = p_queue and f.remove_at <= coalesce(p_now, now())
    order by f.remove_at
    limit p_limit
    for update skip locked
  ),
  removed as (
    delete from pgconductor.finished_executions f using expired x where f.id = x.id
    returning f.id, f.state
  ),
  attempts as (
    delete from pgconductor.failed_attempts a using removed r where a.execution_id = r.id
  )
  select count(*) filter (where r.state = 'completed'), count(*) filter (where r.state = 'failed'),
         count(*) filter (where r.state = 'cancelled')
    into completed, failed, cancelled
  from removed r;
end $$;

-- Records the end of a queue's maintenance run.
create function pgconductor.finish_maintenance(p_queue text, p_removed bigint, p_now timestamptz)
returns void
language sql set jit = off as $$
  update pgconductor.maintenance
  set last_finished_at = coalesce(p_now, now()), last_removed = p_removed
  where queue = p_queue
$$;

-- The partitions of the queues among p_queues that hold at least p_min_dead dead row versions plus
-- p_live_fraction of their live rows, by the statistics the server keeps (a second or so behind),
-- most dead first: each execution leaves two (its claim's update, its finish's delete), so a busy
-- queue's partition gathers millions a minute, faster than autovacuum, which visits a database at
-- most once per autovacuum_naptime, comes back to it. Named as VACUUM takes them (quoted);
-- can_vacuum: the current user may vacuum it (owns it, or is a member of its owner, or superuser,
-- or, from Postgres 17, holds the MAINTAIN privilege on it, which earlier versions do not know).
create function pgconductor.queues_to_vacuum(p_queues text[], p_min_dead bigint,
  p_live_fraction double precision)
returns table (queue text, relation text, dead bigint, can_vacuum boolean)
language sql stable set jit = off as $$
  select q.name, format('pgconductor.%I', q.partition), pg_stat_get_dead_tuples(c.oid),
         pg_has_role(c.relowner, 'USAGE')
         or case when current_setting('server_version_num')::int >= 170000
                 then has_table_privilege(c.oid, 'MAINTAIN') else false end
  from pgconductor.queues q
  join pg_class c on c.oid = to_regclass(format('pgconductor.%I', q.partition))
  where q.name = any (p_queues)
    and pg_stat_get_dead_tuples(c.oid)
        >= p_min_dead + p_live_fraction * pg_stat_get_live_tuples(c.oid)
  order by 3 desc
$$;

-- Removes every execution of a queue, unfinished and finished, for an operator; refused while a
-- registered orchestrator serves the queue. A parent on another queue waiting for a child of this
-- one gets the child's end as a cancellation. The queue's partition stays, empty, ready for reuse.
-- Returns how many unfinished and finished executions it removed.
create function pgconductor.drop_queue(p_queue text, p_now timestamptz,
  out unfinished bigint, out finished bigint)
language plpgsql set jit = off as $$
declare
  v_serving  text;
  v_orphans  uuid[];
  v_woken    text[];
begin
  -- as pgconductor.ensure_queue: an orchestrator starting now waits until this has committed
  perform pg_advisory_xact_lock(hashtext('pgconductor.ensure_queue'));
  select string_agg(distinct format('%s on %s (pid %s)', o.id, o.host, o.pid), ', ')
    into v_serving
  from pgconductor.served_tasks s join pgconductor.orchestrators o on o.id = s.orchestrator
  where s.queue = p_queue;
  if v_serving is not null then
    raise exception 'queue "%" is served by orchestrator %: stop it before dropping the queue',
      p_queue, v_serving using errcode = 'P0001', hint = 'pgconductor:queue-served';
  end if;
  if not exists (select 1 from pgconductor.queues q where q.name = p_queue)
     and not exists (select 1 from pgconductor.executions e where e.queue = p_queue)
     and not exists (select 1 from pgconductor.finished_executions f where f.queue = p_queue) then
    raise exception 'there is no queue named "%"', p_queue
      using errcode = 'P0001', hint = 'pgconductor:unknown-queue';
  end if;

  with orphans as (
    insert into pgconductor.finished_executions
    select f.*
    from pgconductor.executions e,
         lateral pgconductor.finished_row(e, 'cancelled', null,
                                          'queue "' || p_queue || '" was dropped', null,
                                          coalesce(p_now, now())) f
    where e.queue = p_queue and e.parent_id is not null
      and exists (select 1 from pgconductor.executions p
                  where p.id = e.parent_id and p.queue <> p_queue)
    returning id
  )
  select coalesce(array_agg(o.id), '{}') into v_orphans from orphans o;
  if cardinality(v_orphans) > 0 then
    v_woken := pgconductor.after_finish(v_orphans, '{}', p_now);
    perform pgconductor.notify_ready(v_woken);
  end if;

  delete from pgconductor.steps s
  using pgconductor.executions e
  where e.queue = p_queue and s.execution_id = e.id;
  update pgconductor.schedules s set next_id = null, next_at = null
  from pgconductor.executions e
  where e.queue = p_queue and s.next_id = e.id;
  delete from pgconductor.executions e where e.queue = p_queue;
  get diagnostics unfinished = row_count;
  delete from pgconductor.finished_executions f where f.queue = p_queue;
  get diagnostics finished = row_count;
  finished := finished - cardinality(v_orphans);
  delete from pgconductor.failed_attempts a where a.queue = p_queue;
  delete from pgconductor.row_changes r where r.queue = p_queue;
  delete from pgconductor.idle_workers w where w.queue = p_queue;
  delete from pgconductor.maintenance m where m.queue = p_queue;
end $$;

-- ============================================================================================
-- Metrics
-- ============================================================================================

-- The depth of each queue that has a partition, for gauges (pgconductor-micrometer): how many
-- executions are ready (due, not running; also those held back by a concurrency limit, a closed
-- window or a batch), scheduled (due later: a runAt, a retry backoff) and waiting (in a durable
-- sleep or for a child), and when the oldest ready one became due (null: none is ready).
-- Read from the claim indexes with bounded work, never by a scan of the queue: the rows not
-- running are walked one priority at a time (and, for gated tasks, one task and priority at a
-- time), each by index probes, and counted up to p_limit ready and p_limit not yet due per queue,
-- so a count of p_limit means at least that many. After p_limit priorities of one index the walk
-- stops, so oldest_ready is exact unless a queue holds more distinct priorities than that.
-- Queues without a partition (no orchestrator served them yet) are not listed.
create function pgconductor.queue_metrics(p_limit int, p_now timestamptz)
returns table (queue text, ready bigint, scheduled bigint, waiting bigint, oldest_ready timestamptz)
language plpgsql stable
set plan_cache_mode = force_generic_plan set enable_bitmapscan = off set enable_seqscan = off
set jit = off as $$
declare
  v_now   timestamptz := coalesce(p_now, now());
  v_queue text;
  v_task  text;
  v_prio  int;
  v_steps int;
  v_first timestamptz;
  v_n     bigint;
  v_w     bigint;
  v_later bigint; -- scheduled + waiting counted so far in this queue
begin
  for v_queue in select q.name from pgconductor.queues q order by q.name loop
    queue := v_queue;
    ready := 0; scheduled := 0; waiting := 0; v_later := 0; oldest_ready := null;

    -- ungated executions: executions_claim_idx (priority desc, run_at, id)
    v_steps := 0;
    v_prio := (select e.priority from pgconductor.executions e
               where e.queue = v_queue and e.locked_by is null and not e.gated
               order by e.priority desc limit 1);
    while v_prio is not null and v_steps < p_limit loop
      v_steps := v_steps + 1;
      v_first := (select e.run_at from pgconductor.executions e
                  where e.queue = v_queue and e.locked_by is null and not e.gated
                    and e.priority = v_prio
                  order by e.priority desc, e.run_at limit 1);
      if v_first <= v_now then
        oldest_ready := least(oldest_ready, v_first);
        if ready < p_limit then
          select count(*) into v_n
          from (select from pgconductor.executions e
                where e.queue = v_queue and e.locked_by is null and not e.gated
                  and e.priority = v_prio and e.run_at <= v_now
                limit p_limit - ready) x;
          ready := ready + v_n;
        end if;
      end if;
      if v_later < p_limit then
        select count(*), count(*) filter (where x.wait_kind in ('sleep', 'child')) into v_n, v_w
        from (select e.wait_kind from pgconductor.executions e
              where e.queue = v_queue and e.locked_by is null and not e.gated
                and e.priority = v_prio and e.run_at > v_now
              limit p_limit - v_later) x;
        v_later := v_later + v_n;
        waiting := waiting + v_w;
        scheduled := scheduled + v_n - v_w;
      end if;
      v_prio := (select e.priority from pgconductor.executions e
                 where e.queue = v_queue and e.locked_by is null and not e.gated
                   and e.priority < v_prio
                 order by e.priority desc limit 1);
    end loop;

    -- gated executions: executions_gated_claim_idx (task_key, priority desc, run_at, id)
    v_steps := 0;
    v_task := (select min(e.task_key) from pgconductor.executions e
               where e.queue = v_queue and e.gated and e.locked_by is null);
    while v_task is not null and v_steps < p_limit loop
      v_prio := (select e.priority from pgconductor.executions e
                 where e.queue = v_queue and e.gated and e.locked_by is null
                   and e.task_key = v_task
                 order by e.priority desc limit 1);
      while v_prio is not null and v_steps < p_limit loop
        v_steps := v_steps + 1;
        v_first := (select e.run_at from pgconductor.executions e
                    where e.queue = v_queue and e.gated and e.locked_by is null
                      and e.task_key = v_task and e.priority = v_prio
                    order by e.priority desc, e.run_at limit 1);
        if v_first <= v_now then
          oldest_ready := least(oldest_ready, v_first);
          if ready < p_limit then
            select count(*) into v_n
            from (select from pgconductor.executions e
                  where e.queue = v_queue and e.gated and e.locked_by is null
                    and e.task_key = v_task and e.priority = v_prio and e.run_at <= v_now
                  limit p_limit - ready) x;
            ready := ready + v_n;
          end if;
        end if;
        if v_later < p_limit then
          select count(*), count(*) filter (where x.wait_kind in ('sleep', 'child')) into v_n, v_w
          from (select e.wait_kind from pgconductor.executions e
                where e.queue = v_queue and e.gated and e.locked_by is null
                  and e.task_key = v_task and e.priority = v_prio and e.run_at > v_now
                limit p_limit - v_later) x;
          v_later := v_later + v_n;
          waiting := waiting + v_w;
          scheduled := scheduled + v_n - v_w;
        end if;
        v_prio := (select e.priority from pgconductor.executions e
                   where e.queue = v_queue and e.gated and e.locked_by is null
                     and e.task_key = v_task and e.priority < v_prio
                   order by e.priority desc limit 1);
      end loop;
      v_task := (select min(e.task_key) from pgconductor.executions e
                 where e.queue = v_queue and e.gated and e.locked_by is null
                   and e.task_key > v_task);
    end loop;

    return next;
  end loop;
end $$;
