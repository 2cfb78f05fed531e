-- What becomes of the executions an orchestrator holds when its row goes, whichever way it goes:
-- its own stop (deregister), a rescue after its heartbeat stopped, or a row deleted by hand. An
-- execution is only ever held by a registered orchestrator: a claim takes nothing for one that is
-- not (V003), and each of the three releases what the orchestrator held in the transaction that
-- removes it (rescue and release_abandoned are in V001). So an orchestrator does not look for
-- executions held by ids that are not registered when it starts: such a sweep reads the whole hot
-- table (80-110 ms per million executions queued) on every start, and would only find what rows
-- deleted by hand left, which the trigger below releases at once.

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
