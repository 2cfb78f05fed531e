-- Plans of the engine's functions: generic plans on the hot path, and no JIT compilation.
--
-- PL/pgSQL caches a plan per statement, but for a statement with parameters it makes a custom
-- plan, planned again on every call, until the generic plan looks as cheap; for these statements
-- over the partitioned executions table it rarely does, so each claim, flush, step record and
-- invoke re-planned its statements, partition pruning included. Measured with pgbench on a claim
-- of 10 executions: 1.22 ms per call with custom plans, 0.75 ms with the generic one; generic
-- flushes made the tuned drain of the benchmark about 15% faster. Their generic plans are the
-- right ones (index scans by id or along the claim index; partitions pruned when the executor
-- starts), so they are forced.
alter function pgconductor.claim(uuid, text, text[], int, timestamptz)
  set plan_cache_mode = force_generic_plan;
alter function pgconductor.record_steps(uuid, text[], uuid[], int[], text[], text[])
  set plan_cache_mode = force_generic_plan
  set enable_seqscan = off;
alter function pgconductor.invoke(text, text, uuid[], text[], text[], int[], timestamptz[], uuid, timestamptz)
  set plan_cache_mode = force_generic_plan;

-- A flush joins its batch of outcomes (from unnest) to their executions. The planner believes the
-- executions side holds one row (locked_by = p_orchestrator is rare in any statistics of a queue,
-- and never seen in those taken while nothing was claimed), so it looped over the batch for every
-- row of a scan of the partition: a flush of 1,000 outcomes on a fresh queue of 40,000 took 11 s,
-- and with the rows found by id = any (p_ids) still 130-220 ms (1,000 x 1,000 comparisons).
-- Without nested loops the batch is hashed and each execution found by its id: 1-3 ms.
--
-- A generic plan is made once per session and kept, so it must not depend on the size of the
-- tables when it was made: planned while steps was empty, the flush looked each released
-- parent's child step up with a sequential scan of steps, and record_steps could read a whole
-- partition for the lease check. Every row these functions touch is found by key; sequential
-- scans are off for them.
alter function pgconductor.flush(uuid, text, uuid[], int[], text[], text[], text[], text[], int[],
                                 timestamptz[], text[], uuid[], text[], text[], text[], int[],
                                 boolean[], timestamptz)
  set plan_cache_mode = force_generic_plan
  set enable_nestloop = off
  set enable_seqscan = off;
-- after_finish (called by flush) finds parents' steps by index in a loop over few finished
-- children: it must not inherit the flush's setting. Its rows are found by id = any (...) of the
-- batch, which only an index scan does well: on a small or freshly emptied table the planner read
-- steps or finished_executions sequentially and compared every row with every id of the batch
-- (10 ms per flush of 400 with steps), and with a join instead it hashed the batch and read the
-- whole table once stale statistics made it look big (15 ms for 50 steps among 220,000 rows).
alter function pgconductor.after_finish(uuid[], uuid[], timestamptz)
  set enable_nestloop = on
  set enable_seqscan = off;

-- No JIT compilation in the engine's functions. Postgres compiles a statement when its estimated
-- cost passes jit_above_cost (100,000 by default), and compiles it again on every execution:
-- nothing of it is kept with a cached plan. Most of the engine's statements touch a handful of
-- rows found by key, but their estimates can pass the threshold while they stay cheap: the
-- claim's lookup of a resumed execution's steps is costed for the average number of steps per
-- execution times the rows a generic plan expects, so with workflows of about 80 steps an empty
-- claim was estimated at 634,000 and spent 560 ms compiling (0.35 ms without JIT; Postgres 15
-- with LLVM, as Debian's package ships it). Scans are costed higher still: with a million
-- executions queued, a read of the whole table for held executions (then run at every
-- orchestrator start) took 1.5 s, 0.11 s without JIT. Where the server has no JIT (jit off, or
-- no LLVM) this setting changes nothing.
alter function pgconductor.set_idle(uuid, text, boolean) set jit = off;
alter function pgconductor.notify_ready(text[]) set jit = off;
alter function pgconductor.ensure_queue(text) set jit = off;
alter function pgconductor.invoke(text, text, uuid[], text[], text[], int[], timestamptz[], uuid, timestamptz)
  set jit = off;
alter function pgconductor.claim(uuid, text, text[], int, timestamptz) set jit = off;
alter function pgconductor.flush(uuid, text, uuid[], int[], text[], text[], text[], text[], int[],
                                 timestamptz[], text[], uuid[], text[], text[], text[], int[],
                                 boolean[], timestamptz)
  set jit = off;
alter function pgconductor.after_finish(uuid[], uuid[], timestamptz) set jit = off;
alter function pgconductor.release_abandoned(uuid[], timestamptz) set jit = off;
alter function pgconductor.rescue(interval, timestamptz) set jit = off;
alter function pgconductor.heartbeat(uuid, interval, timestamptz) set jit = off;
alter function pgconductor.record_steps(uuid, text[], uuid[], int[], text[], text[]) set jit = off;
alter function pgconductor.cancel(uuid, text, timestamptz) set jit = off;
alter function pgconductor.cancel_requests(uuid) set jit = off;
alter function pgconductor.ungate_unlimited() set jit = off;
alter function pgconductor.register_tasks(text[], text[], int[], boolean[], int[]) set jit = off;
