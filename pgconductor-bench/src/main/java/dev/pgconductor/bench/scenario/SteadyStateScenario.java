package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.peer.Workload;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.bench.util.LoadDriver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Scenario 4: steady state. For a fixed time a producer thread enqueues batches of 100 while the
 * workers (tuned config) run them; the producer never lets more than {@value #MAX_BACKLOG}
 * executions wait (it takes one credit per execution, every handler run gives one back), so the
 * queue stays short and the number is what the system sustains end to end: completed per second.
 */
public final class SteadyStateScenario implements Scenario {
  static final int BATCH = 100;
  static final int MAX_BACKLOG = 5_000;

  @Override
  public int number() {
    return 4;
  }

  @Override
  public String title() {
    return "steady state (enqueue while draining)";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    Duration duration = context.options().steadyDuration();
    String variant = duration.toSeconds() + " s, batches of " + BATCH;
    List<Trial> trials = new ArrayList<>();
    trials.add(Trial.subject(variant, db -> run(db, duration)));
    trials.addAll(
        context.peerTrials(new Workload.SteadyState(duration, BATCH, MAX_BACKLOG), variant));
    return trials;
  }

  static Measurement run(BenchDatabase db, Duration duration) throws Exception {
    Semaphore credits = new Semaphore(MAX_BACKLOG);
    Completions completions = new Completions(credits);
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      var task = PgcHarness.noopTask(conductor, completions);
      try (Orchestrator orchestrator = PgcHarness.orchestrator(conductor, task, PgcHarness.TUNED)) {
        orchestrator.start();
        return LoadDriver.steadyState(
            duration,
            BATCH,
            credits,
            completions,
            (from, count) ->
                conductor.invokeBatch(PgcHarness.NOOP, PgcHarness.invocations(from, count)));
      }
    }
  }
}
