package dev.pgconductor.bench.scenario;

import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchMain;
import dev.pgconductor.bench.db.BenchDatabase;
import java.util.List;

/** All scenarios, in order. */
public final class Scenarios {
  private Scenarios() {}

  public static List<Scenario> all() {
    return List.of(
        new EnqueueSingleScenario(),
        new EnqueueBatchScenario(),
        new DrainScenario(),
        new SteadyStateScenario(),
        new TwoStepScenario(),
        new ParentChildScenario(),
        new PickupLatencyScenario(),
        new LargeQueueScenario(),
        new ConcurrencyLimitScenario(),
        new EmitScenario(),
        new CronScenario(),
        new RowTriggerScenario(),
        new BatchScenario(),
        new MultiProcessScenario(),
        new LargeDrainScenario(),
        new MemoryScenario());
  }

  /**
   * Unmeasured drains that warm up the JIT, pgjdbc and the schema install, twice over: three with
   * the default worker config (its small claims take thousands of round trips before the JIT has
   * compiled that path; without them the first measured runs of the default config came out at half
   * the rate of the later ones), one tuned, and as many 2-step tasks and parents with a child,
   * whose step and child paths a no-op drain never runs. One round was not enough: with it the JIT
   * still compiled 100-300 methods during each measured run of scenarios 3-6 ({@code
   * -XX:+PrintCompilation}), and the 2-step drain ran at 9,000-10,000 jobs/s in its first runs
   * against 11,000-13,600 once scenario 3's sixteen drains had run before it. Each drain on a fresh
   * schema.
   */
  public static void warmUp(BenchDatabase db, int jobs) throws Exception {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 3; i++) {
        DrainScenario.run(db, jobs, WorkerConfig.DEFAULT);
        db.execute("drop schema pgconductor cascade");
      }
      DrainScenario.run(db, jobs, PgcHarness.TUNED);
      db.execute("drop schema pgconductor cascade");
      if (Boolean.getBoolean(BenchMain.METRICS_LISTENER_PROPERTY)) {
        // the metrics' code is compiled before the drains with metrics are measured
        DrainScenario.runWithMetrics(db, jobs, PgcHarness.TUNED);
        db.execute("drop schema pgconductor cascade");
      }
      if (Boolean.getBoolean(BenchMain.TRACING_PROPERTY)) {
        // so is the tracing's, and the OpenTelemetry SDK's
        DrainScenario.runWithTracing(db, jobs, PgcHarness.TUNED);
        db.execute("drop schema pgconductor cascade");
      }
      TwoStepScenario.run(db, jobs);
      db.execute("drop schema pgconductor cascade");
      ParentChildScenario.run(db, jobs);
      db.execute("drop schema pgconductor cascade");
    }
  }
}
