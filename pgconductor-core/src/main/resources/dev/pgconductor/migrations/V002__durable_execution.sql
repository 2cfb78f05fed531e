-- Durable execution: memoized steps, sleeps, child executions a parent waits on, cancellation.

-- wait_kind: why a started execution is not running: 'sleep', 'child', 'woken' once the child
-- it waits for finished, 'released' when it was handed back after its handler ran (a stop);
-- cleared by a claim. Null on a pending execution that never started.
-- cancel_reason: set when cancellation of a running execution was requested.
alter table pgconductor.executions
  add column wait_kind text,
  add column cancel_reason text;

-- Dedupe also leaves out executions that were started and released (wait_kind set).
drop index pgconductor.executions_dedupe_idx;
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

drop function pgconductor.invoke(text, text, uuid[], text[], text[], int[], timestamptz[], uuid, timestamptz);
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

  if v_ready and exists (select 1 from pgconductor.idle_workers w where w.queue = p_queue) then
    perform pg_notify('pgconductor', p_queue);
  end if;
  return v_ids;
end $$;

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

create index executions_parent_idx on pgconductor.executions (parent_id) where parent_id is not null;
create index executions_cancel_idx on pgconductor.executions (locked_by) where cancel_reason is not null;

-- One row per completed step of an unfinished execution, and per sleep or child invocation in
-- progress. Rows go away when their execution finishes (its result lives on in
-- finished_executions).
create table pgconductor.steps (
  execution_id uuid not null,
  name         text not null,
  done         boolean not null default true,
  result       jsonb,
  error        text,        -- a child that did not complete: why
  child_id     uuid,        -- ctx.invoke: the child execution
  deadline     timestamptz, -- ctx.invoke with timeout: when the parent gives up waiting
  attempt      int,         -- ctx.invoke with timeout: the attempt that set the deadline
  created_at   timestamptz not null default now(),
  primary key (execution_id, name)
);

create index steps_child_idx on pgconductor.steps (child_id) where child_id is not null;

-- Whenever executions finish (complete, fail for good, get cancelled), the parents waiting on
-- them get the outcome in their step and are woken; the finished executions' steps are removed.
create function pgconductor.on_executions_finished() returns trigger
language plpgsql as $$
begin
  with stepped as (
    update pgconductor.steps s
    set done = true,
        result = case when f.state = 'completed' then f.result end,
        error = case when f.state <> 'completed'
                     then coalesce(f.last_error, 'execution ' || f.state) end
    from finished f
    where f.parent_id is not null and s.execution_id = f.parent_id and s.child_id = f.id
      and not s.done
    returning s.execution_id
  )
  -- No filter on locked_by: if the parent's own release is in flight, this waits for it and then
  -- wakes the released row; if the parent still runs, the 'woken' mark tells its release to
  -- leave it ready. ("now" is the finishing flush's when it runs on a test clock.)
  update pgconductor.executions p
  set run_at = least(p.run_at,
                     coalesce(nullif(current_setting('pgconductor.now', true), '')::timestamptz, now())),
      wait_kind = 'woken'
  from stepped
  where p.id = stepped.execution_id;

  delete from pgconductor.steps s using finished f where s.execution_id = f.id;
  return null;
end $$;

create trigger executions_finished
  after insert on pgconductor.finished_executions
  referencing new table as finished
  for each statement execute function pgconductor.on_executions_finished();

-- Claim now also returns each execution's recorded steps, the database time of the claim (the
-- worker measures sleeps against it) and a pending cancellation.
drop function pgconductor.claim(uuid, text, text[], int, timestamptz);
create function pgconductor.claim(
  p_orchestrator uuid, p_queue text, p_tasks text[], p_limit int, p_now timestamptz)
returns table (id uuid, task_key text, payload jsonb, attempts int, lease int, parent_id uuid,
               priority int, run_at timestamptz, created_at timestamptz, steps jsonb,
               claimed_at timestamptz, cancel_reason text)
language plpgsql as $$
declare
  v_now timestamptz := coalesce(p_now, now());
begin
  -- A claim need not wait for its WAL to reach disk: if the database crashed and lost it, the
  -- execution is simply claimable again (at-least-once, as for any crash), and any later durable
  -- commit (a flush, a step) flushes this one too, since the WAL is written in order. This halves
  -- the fsyncs of a busy worker. set_config(..., true) lasts until this transaction ends.
  perform set_config('synchronous_commit', 'off', true);
  return query
  with candidates as (
    select e.id
    from pgconductor.executions e
    where e.queue = p_queue
      and e.locked_by is null
      and e.run_at <= v_now
      and e.task_key = any (p_tasks)
    order by e.priority desc, e.run_at, e.id
    limit p_limit
    for update skip locked
  ),
  claimed as (
    update pgconductor.executions e
    set locked_by = p_orchestrator, locked_at = now(), attempts = e.attempts + 1,
        lease = e.lease + 1, wait_kind = null
    from candidates c
    where e.id = c.id and e.queue = p_queue
    returning e.id, e.task_key, e.payload, e.attempts, e.lease, e.parent_id, e.priority, e.run_at,
              e.created_at, e.lease > 1 as resumed, e.cancel_reason
  )
  select c.id, c.task_key, c.payload, c.attempts, c.lease, c.parent_id, c.priority, c.run_at,
         c.created_at,
         case when c.resumed then
           (select jsonb_object_agg(s.name, jsonb_build_object(
                     'done', s.done, 'result', s.result, 'error', s.error, 'child', s.child_id,
                     'deadline', s.deadline, 'attempt', s.attempt))
            from pgconductor.steps s where s.execution_id = c.id)
         end,
         v_now, c.cancel_reason
  from claimed c
  order by c.priority desc, c.run_at, c.id;
end $$;

-- The claim must walk executions_claim_idx in order and stop at the limit. On a partition that
-- autovacuum has not analyzed yet (every freshly filled queue) the planner would rather read and
-- sort every ready row; these settings, local to the function, keep the ordered index scan.
alter function pgconductor.claim(uuid, text, text[], int, timestamptz)
  set enable_bitmapscan = off
  set enable_seqscan = off;

-- Outcomes, now with: 'u' released before its handler started (it stays deduplicable), 's'
-- sleeping until p_run_ats (released, attempt not counted), 'w' waiting
-- for the child of step p_steps (released until p_run_ats or forever, unless the child already
-- finished; a new child, p_child_*, is created here, in the same transaction, so it exists if
-- and only if the parent's wait does), 'x' cancelled. A failure with max_attempts 0 is final at once. An execution whose
-- cancellation was requested while it ran ends cancelled, whatever the outcome but completion.
drop function pgconductor.flush(uuid, text, uuid[], int[], text[], text[], text[], text[], int[], timestamptz);
create function pgconductor.flush(
  p_orchestrator uuid, p_queue text, p_ids uuid[], p_leases int[], p_outcomes text[],
  p_results text[], p_errors text[], p_stacks text[], p_max_attempts int[],
  p_run_ats timestamptz[], p_steps text[], p_child_ids uuid[], p_child_tasks text[],
  p_child_queues text[], p_child_payloads text[], p_attempts int[], p_now timestamptz)
returns int
language plpgsql as $$
declare
  v_now     timestamptz := coalesce(p_now, now());
  v_total   int := 0;
  v_count   int;
  v_waiting uuid[];
  v_notified int;
begin
  if p_now is not null then
    perform set_config('pgconductor.now', p_now::text, true); -- read by on_executions_finished
  end if;
  with batch as (
    select * from unnest(p_ids, p_leases, p_outcomes, p_results, p_errors, p_stacks, p_max_attempts)
      as r(id, lease, outcome, result, error, stack, max_attempts)
  ),
  done as (
    delete from pgconductor.executions e
    using batch r
    where e.queue = p_queue and e.id = r.id and e.lease = r.lease and e.locked_by = p_orchestrator
      and (r.outcome in ('c', 'x')
           or (r.outcome = 'f' and e.attempts >= r.max_attempts)
           or e.cancel_reason is not null) -- cancelled while running: ends now, whatever it did
    returning e.*,
              case when r.outcome <> 'c' and e.cancel_reason is not null then 'x'
                   else r.outcome end as final_outcome,
              r.result, r.error, r.stack
  )
  insert into pgconductor.finished_executions
    (id, queue, task_key, state, payload, result, priority, attempts, dedupe_key, parent_id,
     last_error, last_error_stack, created_at, started_at, finished_at)
  select d.id, d.queue, d.task_key,
         case d.final_outcome when 'c' then 'completed' when 'x' then 'cancelled' else 'failed' end,
         d.payload, case d.final_outcome when 'c' then d.result::jsonb end, d.priority, d.attempts,
         d.dedupe_key, d.parent_id,
         case d.final_outcome when 'c' then d.last_error
                              when 'x' then coalesce(d.cancel_reason, d.error)
                              else d.error end,
         case d.final_outcome when 'c' then d.last_error_stack
                              when 'x' then null
                              else d.stack end,
         d.created_at, d.locked_at, v_now
  from done d;
  get diagnostics v_count = row_count;
  v_total := v_count;

  with batch as (
    select * from unnest(p_ids, p_leases, p_outcomes, p_errors, p_stacks, p_run_ats, p_steps)
      as r(id, lease, outcome, error, stack, run_at, step)
    where r.outcome in ('f', 'r', 'u', 's', 'w')
  ),
  updated as (
  update pgconductor.executions e
  set locked_by = null,
      locked_at = null,
      attempts = case r.outcome when 'f' then e.attempts else e.attempts - 1 end,
      run_at = case r.outcome
                 when 'f' then v_now + pgconductor.retry_delay(e.attempts)
                 when 'r' then e.run_at
                 when 'u' then e.run_at
                 when 's' then r.run_at
                 else case when e.wait_kind = 'woken'
                                or exists (select 1 from pgconductor.steps s
                                           where s.execution_id = e.id and s.name = r.step and s.done)
                           then v_now
                           else coalesce(r.run_at, 'infinity') end
               end,
      wait_kind = case r.outcome
                    when 'r' then 'released'
                    when 'u' then case when e.dedupe_key is not null and exists (
                                         select 1 from pgconductor.executions d
                                         where d.task_key = e.task_key and d.queue = e.queue
                                           and d.dedupe_key = e.dedupe_key and d.id <> e.id
                                           and d.attempts = 0 and d.locked_by is null
                                           and d.wait_kind is null)
                                       then 'released' -- a newer duplicate took its place
                                  end
                    when 's' then 'sleep'
                    when 'w' then case when e.wait_kind = 'woken'
                                            or exists (select 1 from pgconductor.steps s
                                                       where s.execution_id = e.id and s.name = r.step and s.done)
                                       then null else 'child' end
                  end,
      last_error = case r.outcome when 'f' then r.error else e.last_error end,
      last_error_stack = case r.outcome when 'f' then r.stack else e.last_error_stack end
  from batch r
  where e.queue = p_queue and e.id = r.id and e.lease = r.lease and e.locked_by = p_orchestrator
  returning e.id, r.outcome
  )
  select count(*), coalesce(array_agg(u.id) filter (where u.outcome = 'w'), '{}')
    into v_count, v_waiting
  from updated u;

  if cardinality(v_waiting) > 0 then
    -- parents now waiting on a child: record the wait (a new child, or a new deadline for the
    -- child of an earlier attempt) and create the new children, all in this transaction
    with waits as (
      select * from unnest(p_ids, p_outcomes, p_run_ats, p_steps, p_child_ids, p_child_tasks,
                           p_child_queues, p_child_payloads, p_attempts)
        as r(id, outcome, deadline, step, child_id, child_task, child_queue, child_payload, attempt)
      where r.outcome = 'w' and r.id = any (v_waiting)
    ),
    recorded as (
      insert into pgconductor.steps as s (execution_id, name, done, child_id, deadline, attempt)
      select w.id, w.step, false, w.child_id, w.deadline, w.attempt from waits w
      on conflict (execution_id, name) do update
        set deadline = excluded.deadline, attempt = excluded.attempt
        where not s.done
    ),
    children as (
      insert into pgconductor.executions (id, queue, task_key, payload, run_at, parent_id)
      select w.child_id, w.child_queue, w.child_task, w.child_payload::jsonb, v_now, w.id
      from waits w
      where w.child_payload is not null
      on conflict do nothing
      returning queue
    )
    select count(pg_notify('pgconductor', q.queue)) into v_notified
    from (select distinct c.queue from children c) q
    where exists (select 1 from pgconductor.idle_workers i where i.queue = q.queue);
  end if;
  return v_total + v_count;
end $$;

-- Records plain step results of many executions in one statement (group commit). A step is
-- recorded only while the caller still holds the execution's lease; returns, in input order,
-- whether each was.
create function pgconductor.record_steps(
  p_orchestrator uuid, p_ids uuid[], p_leases int[], p_names text[], p_results text[])
returns boolean[]
language plpgsql as $$
declare
  v_held boolean[];
begin
  with input as (
    select r.*, exists (select 1 from pgconductor.executions e
                        where e.id = r.id and e.locked_by = p_orchestrator and e.lease = r.lease) as held
    from unnest(p_ids, p_leases, p_names, p_results) with ordinality as r(id, lease, name, result, ord)
  ),
  stored as (
    insert into pgconductor.steps (execution_id, name, result)
    select i.id, i.name, i.result::jsonb from input i where i.held
    on conflict (execution_id, name) do nothing
  )
  select array_agg(i.held order by i.ord) into v_held from input i;
  return v_held;
end $$;

-- Cancels an execution and its unfinished descendants. Not running: it fails at once with the
-- reason and never runs. Running: the reason is recorded and its worker notified; the handler
-- stops at its next step or checkpoint and the execution ends cancelled. Returns false when the
-- execution is unknown or already finished.
create function pgconductor.cancel(p_id uuid, p_reason text, p_now timestamptz) returns boolean
language plpgsql as $$
declare
  v_found boolean;
begin
  if p_now is not null then
    perform set_config('pgconductor.now', p_now::text, true); -- read by on_executions_finished
  end if;
  create temporary table pgconductor_cancelling on commit drop as
  with recursive tree as (
    select e.id, e.queue, e.locked_by, 0 as depth
    from pgconductor.executions e where e.id = p_id
    union all
    select c.id, c.queue, c.locked_by, t.depth + 1
    from pgconductor.executions c join tree t on c.parent_id = t.id
    where t.depth < 100
  )
  select * from tree;
  select exists (select 1 from pgconductor_cancelling where depth = 0) into v_found;
  if not v_found then
    drop table pgconductor_cancelling;
    return false;
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

  -- the rest: failed with the reason, never run (descendants first, so parents see them go)
  with gone as (
    delete from pgconductor.executions e
    using pgconductor_cancelling c
    where e.id = c.id and e.queue = c.queue and e.locked_by is null
    returning e.*, c.depth
  )
  insert into pgconductor.finished_executions
    (id, queue, task_key, state, payload, priority, attempts, dedupe_key, parent_id, last_error,
     created_at, started_at)
  select g.id, g.queue, g.task_key, 'failed', g.payload, g.priority, g.attempts, g.dedupe_key,
         g.parent_id,
         case when g.depth = 0 then p_reason else 'Parent execution cancelled: ' || p_reason end,
         g.created_at, g.locked_at
  from gone g;
  drop table pgconductor_cancelling;
  return true;
end $$;

-- Running executions of one orchestrator whose cancellation was requested (the heartbeat's
-- fallback for a missed notification).
create function pgconductor.cancel_requests(p_orchestrator uuid)
returns table (id uuid, reason text)
language sql stable as $$
  select e.id, e.cancel_reason from pgconductor.executions e
  where e.locked_by = p_orchestrator and e.cancel_reason is not null
$$;
