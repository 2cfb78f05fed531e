-- An orchestrator's stop, in one function: release what it still holds and forget it, in one
-- transaction and one round trip (it was two plain statements sent by the orchestrator).
--
-- The release finds the orchestrator's executions by locked_by, for which there is no index (one
-- would cost every claim an index entry, for a statement that runs once per stop), so it reads
-- the hot table: about 80 ms per million executions queued. As a plain statement Postgres
-- JIT-compiled that scan once its estimate passed jit_above_cost (about 3.5 million executions
-- queued; 7 ms of 400 with 5 million, Postgres 15) and would optimise and inline it too past
-- jit_optimize_above_cost (about 17 million), as it did the start-up sweep (V004). Like every
-- other function of the engine, this one runs without JIT.
create function pgconductor.deregister(p_orchestrator uuid) returns int
language plpgsql set jit = off as $$
declare
  v_queues text[];
begin
  -- its own idle marks go first, so the wake-up below only reaches other workers
  delete from pgconductor.idle_workers where orchestrator = p_orchestrator;
  -- released, not failed: the attempt it had started is not counted
  with released as (
    update pgconductor.executions
    set locked_by = null, locked_at = null, attempts = attempts - 1, wait_kind = 'released'
    where locked_by = p_orchestrator
    returning queue
  )
  select array_agg(queue) into v_queues from released;
  delete from pgconductor.orchestrators where id = p_orchestrator;
  if v_queues is not null then
    perform pgconductor.notify_ready(v_queues);
  end if;
  return coalesce(cardinality(v_queues), 0);
end $$;
