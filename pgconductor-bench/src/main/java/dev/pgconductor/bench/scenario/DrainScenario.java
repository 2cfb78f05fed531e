package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.peer.Workload;
import dev.pgconductor.bench.util.Completions;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 3: drain pre-enqueued no-op executions, with the default worker config and with a tuned
 * one. Measured from {@code Orchestrator.start()} until the last outcome is written (the hot table
 * is empty); the time until the last handler ran is kept as a detail.
 */
public final class DrainScenario implements Scenario {
  /** Variant label of the default worker config. */
  public static final String DEFAULT = "default config";

  /** Variant label of the tuned worker config (the peers run tuned too). */
  public static final String TUNED = "tuned config";

  @Override
  public int number() {
    return 3;
  }

  @Override
  public String title() {
    return "drain no-op tasks";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    List<Trial> trials = new ArrayList<>();
    trials.add(Trial.subject(DEFAULT, db -> run(db, jobs, WorkerConfig.DEFAULT)));
    trials.add(Trial.subject(TUNED, db -> run(db, jobs, PgcHarness.TUNED)));
    trials.addAll(context.peerTrials(new Workload.Drain(jobs), TUNED));
    return trials;
  }

  static Measurement run(BenchDatabase db, int jobs, WorkerConfig config) throws Exception {
    Completions completions = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      var task = PgcHarness.noopTask(conductor, completions);
      PgcHarness.enqueue(conductor, jobs, 1_000);
      return PgcHarness.timedDrain(
          db, PgcHarness.orchestrator(conductor, task, config), completions, jobs);
    }
  }
}
