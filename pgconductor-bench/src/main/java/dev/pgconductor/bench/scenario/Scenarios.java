package dev.pgconductor.bench.scenario;

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
        new ConcurrencyLimitScenario());
  }

  /** An unmeasured tuned drain: warms up the JIT, pgjdbc and the schema install. */
  public static void warmUp(BenchDatabase db, int jobs) throws Exception {
    DrainScenario.run(db, jobs, PgcHarness.TUNED);
  }
}
