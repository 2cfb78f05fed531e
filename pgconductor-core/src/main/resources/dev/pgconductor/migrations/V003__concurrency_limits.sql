-- Task concurrency limits (SPEC CON-1): at most N executions of a task hold a claim at once,
-- across all workers and hosts.
--
-- An execution holds one of its task's slots from its claim until its outcome is written (it
-- completes, fails, is retried later, sleeps, waits for a child or is released): exactly while
-- locked_by is set. Nothing is counted up or down: the claim counts the claimed rows of the task,
-- so a crash, a rescue or a lost lease can never leak a slot.
--
-- Executions of limited tasks are "gated" and leave the main claim index for their own, so a
-- backlog of a limited task never sits in front of the other tasks in the claim scan; what the
-- unlimited tasks of the queue still pay is measured by scenario 9 of the benchmark.

alter table pgconductor.tasks add column concurrency int check (concurrency >= 1);

alter table pgconductor.executions add column gated boolean not null default false;

drop index pgconductor.executions_claim_idx;
create index executions_claim_idx on pgconductor.executions (priority desc, run_at, id)
  where locked_by is null and not gated;
create index executions_gated_claim_idx on pgconductor.executions (task_key, priority desc, run_at, id)
  where gated and locked_by is null;
create index executions_gated_running_idx on pgconductor.executions (task_key)
  where gated and locked_by is not null;

-- invoke writes the executions of a task registered with a limit gated, and registering a new
-- limit gates those already waiting. Rows that are still not gated though their task has a limit
-- (an invoke racing the registration; children created by a parent's flush) are gated by the
-- claim that meets them in its scan of the main index, and then claimed from the gated index
-- within the limit. Rows of a task whose limit was removed are ungated here; the orchestrators
-- run it when they register tasks and with every heartbeat (a registration racing a claim may
-- leave a few).
create function pgconductor.ungate_unlimited() returns int
language plpgsql as $$
declare
  v_count int;
begin
  update pgconductor.executions e
  set gated = false
  from pgconductor.tasks t
  where t.concurrency is null and e.task_key = t.key and e.gated and e.locked_by is null;
  get diagnostics v_count = row_count;
  return v_count;
end $$;

-- invoke as in V001, writing the executions of limited tasks gated, and returning null for a
-- batch without dedupe keys (its ids are the ones given).
create or replace function pgconductor.invoke(
  p_task text, p_queue text, p_ids uuid[], p_payloads text[], p_dedupe_keys text[],
  p_priorities int[], p_run_ats timestamptz[], p_parent uuid, p_now timestamptz)
returns uuid[]
language plpgsql as $$
declare
  v_now       timestamptz := coalesce(p_now, now());
  v_ids       uuid[];
  v_ready     boolean;
  v_invocable boolean;
  v_gated     boolean;
begin
  select invocable, concurrency is not null into v_invocable, v_gated
  from pgconductor.tasks where key = p_task;
  v_gated := coalesce(v_gated, false);
  if v_invocable is false then
    raise exception 'task "%" has no invocable trigger', p_task using errcode = 'P0001', hint = 'pgconductor:not-invocable';
  end if;

  if not exists (select 1 from unnest(p_dedupe_keys) k where k is not null) then
    -- no dedupe keys: a plain insert, ids as given; null tells the caller so (sending its own
    -- ids back cost a batch enqueue a fifth of its client time, decoding them)
    insert into pgconductor.executions (id, queue, task_key, payload, priority, run_at, parent_id, gated)
    select t.id, p_queue, p_task, t.payload::jsonb, coalesce(t.priority, 0),
           coalesce(t.run_at, v_now), p_parent, v_gated
    from unnest(p_ids, p_payloads, p_priorities, p_run_ats) as t(id, payload, priority, run_at);
    v_ids := null;
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
        (id, queue, task_key, payload, priority, run_at, dedupe_key, parent_id, gated)
      select id, p_queue, p_task, payload, priority, run_at, dedupe_key, p_parent, v_gated
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


-- Upserts the tasks an orchestrator serves (last writer wins). Executions waiting for a task that
-- gains a limit are gated here, once (a scan of their queue, at orchestrator start, only when a
-- limit is new); those of tasks that lost their limit are ungated.
create function pgconductor.register_tasks(
  p_keys text[], p_queues text[], p_max_attempts int[], p_invocable boolean[], p_concurrency int[])
returns void
language plpgsql as $$
declare
  v_newly_limited text[];
begin
  select coalesce(array_agg(n.key), '{}') into v_newly_limited
  from unnest(p_keys, p_concurrency) as n(key, concurrency)
  where n.concurrency is not null
    and not exists (select 1 from pgconductor.tasks t where t.key = n.key and t.concurrency is not null);

  insert into pgconductor.tasks as t (key, queue, max_attempts, invocable, concurrency)
  select * from unnest(p_keys, p_queues, p_max_attempts, p_invocable, p_concurrency)
  on conflict (key) do update
    set queue = excluded.queue, max_attempts = excluded.max_attempts,
        invocable = excluded.invocable, concurrency = excluded.concurrency, updated_at = now();

  if cardinality(v_newly_limited) > 0 then
    update pgconductor.executions e set gated = true
    where e.task_key = any (v_newly_limited) and not e.gated and e.locked_by is null;
  end if;
  perform pgconductor.ungate_unlimited();
end $$;

create or replace function pgconductor.heartbeat(p_orchestrator uuid, p_timeout interval, p_now timestamptz)
returns boolean
language plpgsql as $$
declare
  v_alive boolean;
begin
  update pgconductor.orchestrators set last_heartbeat_at = now() where id = p_orchestrator;
  v_alive := found;
  perform pgconductor.rescue(p_timeout, p_now);
  perform pgconductor.ungate_unlimited();
  return v_alive;
end $$;

-- The claim, now within the limits. The main index holds no gated execution, so its scan is the
-- one it was. For each limited task among p_tasks the claim also takes a transaction-scoped
-- advisory lock without waiting (a task another claim is serving right now is left to that
-- claim), counts the task's claimed executions in a fresh snapshot, which sees every earlier
-- claim of the task since those committed before the lock was released, and takes at most the
-- free slots from the gated index; the two are merged in claim order. Executions of a limited
-- task met in the main index (not gated yet, see above) are gated and left for the next claims.
create or replace function pgconductor.claim(
  p_orchestrator uuid, p_queue text, p_tasks text[], p_limit int, p_now timestamptz)
returns table (id uuid, task_key text, payload jsonb, attempts int, lease int, parent_id uuid,
               priority int, run_at timestamptz, created_at timestamptz, steps jsonb,
               claimed_at timestamptz, cancel_reason text)
language plpgsql as $$
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
  -- see V002: a lost claim is claimable again, and later durable commits flush it anyway
  perform set_config('synchronous_commit', 'off', true);

  -- An orchestrator that was declared dead claims nothing until it has registered again. The
  -- shared lock is held until this claim commits, and a rescue takes it exclusively before it
  -- deletes the orchestrator: the rescue waits for a claim in flight and then sees, and
  -- releases, what it took; a claim that comes later finds the orchestrator gone. So no
  -- execution is ever held by an id that is not registered.
  perform pg_advisory_xact_lock_shared(hashtext('pgconductor.orchestrator'),
                                       hashtext(p_orchestrator::text));
  if not exists (select 1 from pgconductor.orchestrators o where o.id = p_orchestrator) then
    return;
  end if;

  select array_agg(c.id), array_agg(c.task_key), array_agg(c.priority), array_agg(c.run_at)
    into v_ids, v_keys, v_prios, v_runs
  from (select e.id, e.task_key, e.priority, e.run_at
        from pgconductor.executions e
        where e.queue = p_queue and e.locked_by is null and not e.gated
          and e.run_at <= v_now and e.task_key = any (p_tasks)
        order by e.priority desc, e.run_at, e.id
        limit p_limit
        for update skip locked) c;

  select coalesce(array_agg(t.key order by t.key), '{}') into v_limited
  from pgconductor.tasks t
  where t.key = any (p_tasks) and t.concurrency is not null;

  if cardinality(v_limited) > 0 then
    if v_keys && v_limited then
      -- not gated yet: gate them, out of this claim
      select array_agg(k.id) filter (where k.task_key = any (v_limited)),
             array_agg(k.id order by k.n) filter (where not (k.task_key = any (v_limited))),
             array_agg(k.priority order by k.n) filter (where not (k.task_key = any (v_limited))),
             array_agg(k.run_at order by k.n) filter (where not (k.task_key = any (v_limited)))
        into v_gated, v_ids, v_prios, v_runs
      from unnest(v_ids, v_keys, v_prios, v_runs) with ordinality as k(id, task_key, priority, run_at, n);
      update pgconductor.executions e set gated = true
      where e.queue = p_queue and e.id = any (v_gated);
    end if;

    select coalesce(array_agg(k), '{}') into v_locked
    from unnest(v_limited) k
    where pg_try_advisory_xact_lock(hashtext('pgconductor.concurrency'), hashtext(k));

    -- a new statement, so a new snapshot: taken after the locks were granted
    select coalesce(array_agg(t.key), '{}'),
           coalesce(array_agg(t.concurrency - (select count(*) from pgconductor.executions r
                                               where r.task_key = t.key and r.gated
                                                 and r.locked_by is not null)), '{}')
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

-- As in V002: keep the ordered index scans on partitions autovacuum has not analyzed yet.
alter function pgconductor.claim(uuid, text, text[], int, timestamptz)
  set enable_bitmapscan = off
  set enable_seqscan = off;
-- Runs with every heartbeat: it must stay a probe of the gated index, never a scan of the queue.
alter function pgconductor.ungate_unlimited()
  set enable_seqscan = off;
