-- What becomes of the executions an orchestrator holds when its row goes, whichever way it goes:
-- its own stop (deregister), a rescue after its heartbeat stopped, or a row deleted by hand. An
-- execution is only ever held by a registered orchestrator: a claim takes nothing for one that is
-- not (V003), and each of the three releases what the orchestrator held in the transaction that
-- removes it. So no orchestrator needs to look for executions held by ids that are not registered
-- when it starts; that sweep read the whole hot table (80-110 ms per million executions queued)
-- on every start, only for rows removed by hand, which the trigger below now releases at once.

-- Releases or fails the executions held by the given orchestrators, which are gone (null: every
-- execution held by an id that is not registered). As after a crash, the lost run counts as an
-- attempt: one that has attempts left is due again at once, one that was on its last fails. Held
-- executions are found by locked_by, for which there is no index (one would cost every claim an
-- index entry, for a statement that runs when an orchestrator goes), so this reads the hot table.
create function pgconductor.release_abandoned(p_orchestrators uuid[], p_now timestamptz)
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

-- Releases or fails what orchestrators that stopped heartbeating were running (replaces V001's,
-- which also took p_sweep). Liveness is judged by the database clock; p_now (a test clock, or
-- null) only dates the rerun.
drop function pgconductor.rescue(interval, boolean, timestamptz);
create function pgconductor.rescue(p_timeout interval, p_now timestamptz)
returns int
language plpgsql set jit = off as $$
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
  perform set_config('pgconductor.releasing', 'on', true); -- released below, not by the trigger
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

-- Heartbeat of one orchestrator, followed by a rescue of dead ones (as in V003). Returns false
-- when this orchestrator is no longer registered (it was declared dead), so it can register again.
create or replace function pgconductor.heartbeat(p_orchestrator uuid, p_timeout interval, p_now timestamptz)
returns boolean
language plpgsql set jit = off as $$
declare
  v_alive boolean;
begin
  update pgconductor.orchestrators set last_heartbeat_at = now() where id = p_orchestrator;
  v_alive := found;
  perform pgconductor.rescue(p_timeout, p_now);
  perform pgconductor.ungate_unlimited();
  return v_alive;
end $$;

-- An orchestrator's stop: release what it still holds and forget it, in one transaction (it was
-- two plain statements, and as a plain statement Postgres JIT-compiled the release's read of the
-- hot table once its estimate passed jit_above_cost, about 3.5 million executions queued).
-- Released, not failed: the attempt it had started is not counted.
create function pgconductor.deregister(p_orchestrator uuid) returns int
language plpgsql set jit = off as $$
declare
  v_queues text[];
begin
  -- a claim of its own still in flight (a fetch that began before the stop) commits first, so
  -- the release below sees what it took
  perform pg_advisory_xact_lock(hashtext('pgconductor.orchestrator'), hashtext(p_orchestrator::text));
  perform set_config('pgconductor.releasing', 'on', true); -- released here, not by the trigger
  -- first, so the wake-up below only reaches other workers (the trigger drops its idle marks)
  delete from pgconductor.orchestrators where id = p_orchestrator;
  perform set_config('pgconductor.releasing', 'off', true);
  with released as (
    update pgconductor.executions
    set locked_by = null, locked_at = null, attempts = attempts - 1, wait_kind = 'released'
    where locked_by = p_orchestrator
    returning queue
  )
  select array_agg(queue) into v_queues from released;
  if v_queues is not null then
    perform pgconductor.notify_ready(v_queues);
  end if;
  return coalesce(cardinality(v_queues), 0);
end $$;

-- Orchestrator rows removed by anything else than deregister and rescue (by hand, say): their
-- executions are released as after a crash, once the claims in flight of those orchestrators
-- have committed (the locks as in rescue). Their idle marks go in every case.
create function pgconductor.orchestrators_removed() returns trigger
language plpgsql set jit = off as $$
declare
  v_gone uuid[];
begin
  if tg_op = 'TRUNCATE' then
    -- a truncate waits for claims in flight (they read the table) and new claims wait for it
    delete from pgconductor.idle_workers;
    if current_setting('pgconductor.releasing', true) is distinct from 'on' then
      perform pgconductor.release_abandoned(null, null);
    end if;
    return null;
  end if;
  select coalesce(array_agg(g.id order by g.id), '{}') into v_gone from gone g;
  delete from pgconductor.idle_workers where orchestrator = any (v_gone);
  if current_setting('pgconductor.releasing', true) is distinct from 'on'
     and cardinality(v_gone) > 0 then
    perform pg_advisory_xact_lock(hashtext('pgconductor.orchestrator'), hashtext(d::text))
    from unnest(v_gone) as d order by d;
    perform pgconductor.release_abandoned(v_gone, null);
  end if;
  return null;
end $$;

create trigger orchestrators_removed after delete on pgconductor.orchestrators
  referencing old table as gone
  for each statement execute function pgconductor.orchestrators_removed();
create trigger orchestrators_truncated after truncate on pgconductor.orchestrators
  for each statement execute function pgconductor.orchestrators_removed();

-- Executions left held by ids that are not registered before this version (by rows removed by
-- hand) are released once, here.
select pgconductor.release_abandoned(null, null);
