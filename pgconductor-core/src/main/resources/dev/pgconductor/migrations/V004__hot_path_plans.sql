-- Plans of the hot-path functions. PL/pgSQL caches a plan per statement, but for a statement with
-- parameters it makes a custom plan, planned again on every call, until the generic plan looks
-- as cheap; for these statements over the partitioned executions table it never does, so each
-- claim, step record and invoke re-planned its statements, partition pruning included.
-- Measured with pgbench on a claim of 10 executions: 1.22 ms per call with custom plans, 0.75 ms
-- with the generic one. Their generic plans are the right ones (index scans by id or along the
-- claim index; partitions pruned when the executor starts), so they are forced. The flush keeps
-- custom plans: its statements find their rows by `id = any (p_ids)` either way.
alter function pgconductor.claim(uuid, text, text[], int, timestamptz)
  set plan_cache_mode = force_generic_plan;
alter function pgconductor.record_steps(uuid, uuid[], int[], text[], text[])
  set plan_cache_mode = force_generic_plan;
alter function pgconductor.invoke(text, text, uuid[], text[], text[], int[], timestamptz[], uuid, timestamptz)
  set plan_cache_mode = force_generic_plan;
