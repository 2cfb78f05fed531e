package dev.pgconductor.reliability.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.WorkerSettings;
import dev.pgconductor.reliability.Workload;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 7: poison on the same queue as healthy work. First a warm-up, then a baseline: quick
 * jobs alone. Then the poison (results with a NUL character, a 300 MB result, payloads the task's
 * type cannot read, a task no worker knows, handlers that overflow the stack, handlers that hang)
 * and the same number of quick jobs again. Healthy throughput with poison should be at least 90% of
 * the baseline; the report says where each kind of poison ended up.
 */
public final class PoisonInputs implements Scenario {
  /** What healthy throughput with poison must reach, as a share of the baseline. */
  public static final double REQUIRED_SHARE = 0.9;

  @Override
  public String name() {
    return "poison";
  }

  @Override
  public String description() {
    return "NUL results, a 300 MB result, unreadable payloads, an unknown task, stack overflows"
        + " and hangs on the queue of healthy work";
  }

  /**
   * Room for the 300 MB result the handler builds, in a heap run as a server's; and 32 handler
   * slots per worker. The quick jobs wait 5 ms in their step, so with the default 8 slots their
   * rate is bound by slots, and the hung handlers, which hold a slot each until their timeout as
   * they must, would take their share of it: 20 hangs of 2 s are 40 of the 16 slots' 180
   * slot-seconds in the long run's window. With room in slots, what is measured is whether the
   * poison costs healthy work anything beyond the slots it is entitled to.
   */
  @Override
  public WorkerSettings settings() {
    return WorkerSettings.DEFAULT.withServerHeap("2g").withConcurrency(32);
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    int quick = run.isLong() ? 40_000 : 15_000;
    int poison = run.isLong() ? 20 : 3;
    int huge = run.isLong() ? 3 : 1;
    run.startWorkers(2, false);
    drainQuick(run, quick / 2); // warms the workers up, so that the baseline is not their JIT
    double baseline = drainQuick(run, quick);
    invokePoison(run, poison, huge);
    double withPoison = drainQuick(run, quick);
    double share = withPoison / baseline;
    run.note(
        String.format(
            Locale.ROOT,
            "healthy throughput %.0f jobs/s alone, %.0f jobs/s with poison: %.0f%% (required %.0f%%)",
            baseline,
            withPoison,
            share * 100,
            REQUIRED_SHARE * 100));
    run.note(String.format(Locale.ROOT, "healthy share with poison: %.0f%%", share * 100));
    if (share < REQUIRED_SHARE) {
      run.note("POISON SLOWED HEALTHY WORK below the required share");
    }
    // orchestrators look for executions nobody runs every 12th heartbeat and log a warning
    long deadline = System.nanoTime() + 20_000_000_000L;
    boolean warned = false;
    while (!warned && System.nanoTime() < deadline) {
      warned = run.workers().stream().anyMatch(w -> w.tail().contains(Workload.UNKNOWN.name()));
      if (!warned) {
        Thread.sleep(200); // polls the workers' output
      }
    }
    run.note(
        warned
            ? "a worker warned about the executions of the task nobody runs"
            : "DEFECT 6: no worker said anything about the executions of the task nobody runs");
    for (String kind :
        List.of(
            "poison-nul",
            "poison-huge",
            "poison-overflow",
            "poison-unreadable",
            "poison-unknown",
            "poison-hang")) {
      run.note(kind + ": " + states(run, kind));
    }
  }

  /** Invokes every kind of poison: {@code poison} of each, {@code huge} 300 MB results. */
  private static void invokePoison(ScenarioRun run, int poison, int huge) {
    run.invoke(Workload.NUL_RESULT, "poison-nul", poison, i -> new Workload.Quick(0));
    run.invoke(Workload.HUGE_RESULT, "poison-huge", huge, i -> new Workload.Quick(0));
    run.invoke(Workload.OVERFLOW, "poison-overflow", poison, i -> new Workload.Quick(0));
    run.invoke(Workload.HANG, "poison-hang", poison, i -> new Workload.Quick(0));
    run.invoke(Workload.UNKNOWN, "poison-unknown", poison, i -> new Workload.Quick(0));
    try (Conductor<Void> unreadable =
        Conductor.builder()
            .connectionString(run.url())
            .tasks(Workload.UNREADABLE_SCHEMAS)
            .build()) {
      run.invokeWith(
          unreadable, Workload.QUICK_UNREADABLE, "poison-unreadable", poison, i -> "not a job");
    }
  }

  /** Invokes quick jobs and returns how many completed per second until all did. */
  private static double drainQuick(ScenarioRun run, int count) {
    long start = System.nanoTime();
    run.invoke(Workload.QUICK, "quick", count, i -> new Workload.Quick(5));
    run.awaitFinished(Duration.ofSeconds(120), "quick");
    return count / ((System.nanoTime() - start) / 1e9);
  }

  /** Where the executions of one kind of poison are, e.g. "failed 3" or "running 2, pending 1". */
  private static String states(ScenarioRun run, String kind) {
    return String.join(
        ", ",
        run.queryStrings(
            "select a.state || ' ' || count(*) || coalesce(' (' || min(left(a.last_error, 80))"
                + " || ')', '') from harness.invokes i join pgconductor.all_executions a"
                + " on a.id = i.execution_id where i.kind = ? group by a.state order by 1",
            kind));
  }
}
