package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.BenchMain;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.peer.Workload;
import dev.pgconductor.bench.util.Completions;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 3: drain pre-enqueued no-op executions, with the default worker config and with a tuned
 * one (and, with {@code --noop-listener}, both again with a listener that does nothing). Measured
 * from {@code Orchestrator.start()} until the last outcome is written (the hot table is empty); the
 * time until the last handler ran is kept as a detail.
 */
public final class DrainScenario implements Scenario {
  /** Variant label of the default worker config. */
  public static final String DEFAULT = "default config";

  /** Variant label of the tuned worker config (the peers run tuned too). */
  public static final String TUNED = "tuned config";

  /** Added to a variant's label when its orchestrator has a no-op listener (--noop-listener). */
  public static final String WITH_LISTENER = " + no-op listener";

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
    Trial plainDefault = Trial.subject(DEFAULT, db -> run(db, jobs, WorkerConfig.DEFAULT));
    Trial plainTuned = Trial.subject(TUNED, db -> run(db, jobs, PgcHarness.TUNED));
    if (Boolean.getBoolean(BenchMain.NOOP_LISTENER_PROPERTY)) {
      // in turns with the plain drains, one before and one after its plain twin, so that what
      // a run's place in the turn costs falls once on each side
      trials.add(
          Trial.subject(
              DEFAULT + WITH_LISTENER,
              db -> run(db, jobs, WorkerConfig.DEFAULT, new ConductorListener() {})));
      trials.add(plainDefault);
      trials.add(plainTuned);
      trials.add(
          Trial.subject(
              TUNED + WITH_LISTENER,
              db -> run(db, jobs, PgcHarness.TUNED, new ConductorListener() {})));
    } else {
      trials.add(plainDefault);
      trials.add(plainTuned);
    }
    trials.addAll(context.peerTrials(new Workload.Drain(jobs), TUNED));
    return trials;
  }

  static Measurement run(BenchDatabase db, int jobs, WorkerConfig config) throws Exception {
    return run(db, jobs, config, null);
  }

  /** A drain; with a listener, the orchestrator has it (null: none). */
  static Measurement run(
      BenchDatabase db, int jobs, WorkerConfig config, ConductorListener listener)
      throws Exception {
    Completions completions = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      var task = PgcHarness.noopTask(conductor, completions);
      PgcHarness.enqueue(conductor, jobs, 1_000);
      Orchestrator.Builder orchestrator =
          Orchestrator.builder(conductor).tasks(task).defaultWorker(config).handleSignals(false);
      if (listener != null) {
        orchestrator.listener(listener);
      }
      return PgcHarness.timedDrain(db, orchestrator.build(), completions, jobs);
    }
  }
}
