-- Durable execution: memoized steps, sleeps, child executions a parent waits on, cancellation.

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

-- After executions finished (completed, failed for good, cancelled): the parents waiting on
-- those in p_children get the outcome in their step and are woken, and the steps of those in
-- p_with_steps are removed. Returns the queues of the parents woken; the caller notifies them
-- (pgconductor.notify_ready). Called by every path that finishes executions, with just the ids
-- that need it, so a plain job pays nothing here. p_now: the caller's test clock, or null.
create or replace function pgconductor.after_finish(p_children uuid[], p_with_steps uuid[], p_now timestamptz)
returns text[]
language plpgsql as $$
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
    )
    -- No filter on locked_by: if the parent's own release is in flight, this waits for it and
    -- then wakes the released row; if the parent still runs, the 'woken' mark tells its release
    -- to leave it ready.
    , woken as (
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
-- Returns how many rows the caller still held (written) and the queues where it made work ready
-- (new children, woken parents, executions released ready) that had no worker listed idle when
-- it notified them, at its end (unnotified): the caller calls pgconductor.notify_ready with them
-- once this has committed, so a worker that went to sleep meanwhile is not left sleeping.
drop function pgconductor.flush(uuid, text, uuid[], int[], text[], text[], text[], text[], int[], timestamptz);
create function pgconductor.flush(
  p_orchestrator uuid, p_queue text, p_ids uuid[], p_leases int[], p_outcomes text[],
  p_results text[], p_errors text[], p_stacks text[], p_max_attempts int[],
  p_run_ats timestamptz[], p_steps text[], p_child_ids uuid[], p_child_tasks text[],
  p_child_queues text[], p_child_payloads text[], p_attempts int[], p_has_steps boolean[],
  p_now timestamptz, out written int, out unnotified text[])
language plpgsql as $$
declare
  v_now        timestamptz := coalesce(p_now, now());
  v_total      int := 0;
  v_count      int := 0;
  v_waiting    uuid[];
  v_children   uuid[];
  v_with_steps uuid[];
  v_ready      text[] := '{}'; -- queues with work made ready by this flush
  v_ready_here boolean;
begin
  with batch as (
    select * from unnest(p_ids, p_leases, p_outcomes, p_results, p_errors, p_stacks, p_max_attempts,
                         p_has_steps)
      as r(id, lease, outcome, result, error, stack, max_attempts, has_steps)
  ),
  done as (
    delete from pgconductor.executions e
    using batch r
    -- id = any (p_ids): the rows are found by an index condition and hash-joined to the batch
    -- (the flush disallows nested loops, V004)
    where e.queue = p_queue and e.id = any (p_ids) and e.id = r.id and e.lease = r.lease
      and e.locked_by = p_orchestrator
      and (r.outcome in ('c', 'x')
           or (r.outcome = 'f' and e.attempts >= r.max_attempts)
           or e.cancel_reason is not null) -- cancelled while running: ends now, whatever it did
    returning e.*,
              case when r.outcome <> 'c' and e.cancel_reason is not null then 'x'
                   else r.outcome end as final_outcome,
              r.result, r.error, r.stack, r.has_steps
  ),
  moved as (
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
  from done d
  )
  select count(*),
         coalesce(array_agg(d.id) filter (where d.parent_id is not null), '{}'),
         coalesce(array_agg(d.id) filter (where d.has_steps), '{}')
    into v_total, v_children, v_with_steps
  from done d;
  if cardinality(v_children) > 0 or cardinality(v_with_steps) > 0 then
    v_ready := pgconductor.after_finish(v_children, v_with_steps, p_now);
  end if;
  if v_total = cardinality(p_ids) then
    -- every execution of the batch finished: nothing to release or put to wait. Skipping the
    -- rest saves unnesting the batch again (about 0.7 ms per 1,000 outcomes).
    written := v_total;
    unnotified := pgconductor.notify_ready(v_ready);
    return;
  end if;

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
  where e.queue = p_queue and e.id = any (p_ids) and e.id = r.id and e.lease = r.lease
    and e.locked_by = p_orchestrator
  returning e.id, r.outcome, e.run_at <= v_now as ready
  )
  select count(*), coalesce(array_agg(u.id) filter (where u.outcome = 'w'), '{}'),
         coalesce(bool_or(u.ready), false)
    into v_count, v_waiting, v_ready_here
  from updated u;
  if v_ready_here then
    v_ready := v_ready || p_queue; -- released, or a parent whose child had already finished
  end if;

  if cardinality(v_waiting) > 0 then
    -- parents now waiting on a child: record the wait (a new child, or a new deadline for the
    -- child of an earlier attempt) and create the new children, all in this transaction
    with waits as (
      select r.* from unnest(p_ids, p_outcomes, p_run_ats, p_steps, p_child_ids, p_child_tasks,
                           p_child_queues, p_child_payloads, p_attempts)
        as r(id, outcome, deadline, step, child_id, child_task, child_queue, child_payload, attempt)
      join unnest(v_waiting) as v(id) on v.id = r.id -- hashed, not compared with each of v_waiting
      where r.outcome = 'w'
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
    select v_ready || coalesce(array_agg(distinct c.queue), '{}') into v_ready from children c;
  end if;
  written := v_total + v_count;
  -- last, so the window between this check and the commit is as short as it can be
  unnotified := pgconductor.notify_ready(v_ready);
end $$;

-- Records plain step results of many executions in one statement (group commit). A step is
-- recorded only while the caller still holds the execution's lease; returns the positions (1-based,
-- in input order) of the steps that were not recorded because the lease was lost: usually none.
-- The insert is plain: a step already stored (only possible after a lost lease raced a rescue, or
-- for a name recorded twice) fails it with a unique violation, and only then is it redone keeping
-- the stored rows. An insert that never meets a conflict costs a third less than one that always
-- checks for it.
create function pgconductor.record_steps(
  p_orchestrator uuid, p_queues text[], p_ids uuid[], p_leases int[], p_names text[],
  p_results text[])
returns int[]
language plpgsql as $$
declare
  v_queue  text;
  v_ids    uuid[] := '{}';
  v_leases int[] := '{}';
  v_count  bigint;
  v_lost   int[];
begin
  -- The executions still held, one queue at a time: with the queue known, only that queue's
  -- partition is opened and probed. Found by id = any (p_ids) alone, every id was looked up in
  -- every partition (a call of 52 steps: 1.7 ms with 2 queues, 3.3 ms with 32).
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

-- Cancels an execution and its unfinished descendants. Not running: it fails at once with the
-- reason and never runs. Running: the reason is recorded and its worker notified; the handler
-- stops at its next step or checkpoint and the execution ends cancelled. Returns false when the
-- execution is unknown or already finished.
create function pgconductor.cancel(p_id uuid, p_reason text, p_now timestamptz) returns boolean
language plpgsql as $$
declare
  v_found boolean;
  v_gone  uuid[];
begin
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
  ),
  moved as (
  insert into pgconductor.finished_executions
    (id, queue, task_key, state, payload, priority, attempts, dedupe_key, parent_id, last_error,
     created_at, started_at)
  select g.id, g.queue, g.task_key, 'failed', g.payload, g.priority, g.attempts, g.dedupe_key,
         g.parent_id,
         case when g.depth = 0 then p_reason else 'Parent execution cancelled: ' || p_reason end,
         g.created_at, g.locked_at
  from gone g
  )
  select coalesce(array_agg(g.id), '{}') into v_gone from gone g;
  perform pgconductor.notify_ready(pgconductor.after_finish(v_gone, v_gone, p_now));
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
