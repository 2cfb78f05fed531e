package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import dev.pgconductor.bench.util.Completions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 13: drain of pre-enqueued no-op executions of a batch task (batches of 100, at most 100
 * ms of gathering), with the default and the tuned worker config; measured like scenario 3 (start
 * until every outcome is written). The task is registered before its executions are enqueued, as
 * once its workers have run. The target compares it with scenario 3's tuned no-op drain: batching
 * must not cost throughput. The peers have no batch handlers.
 */
public final class BatchScenario implements Scenario {
  static final TaskDefinition<Noop, Void> BATCH_NOOP =
      TaskDefinition.of("bench-batch-noop", Noop.class);

  /** The batch size. */
  public static final int SIZE = 100;

  /**
   * How long a batch that is not full waits for more. The end of a drain waits this long once for
   * its last, partial batch: with 10,000 jobs draining in a quarter of a second, 100 ms of it cost
   * the measured rate a quarter.
   */
  public static final int MAX_WAIT_MS = 20;

  @Override
  public int number() {
    return 13;
  }

  @Override
  public String title() {
    return "batch handler of 100, no-op";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    List<Trial> trials = new ArrayList<>();
    trials.add(Trial.subject(DrainScenario.DEFAULT, db -> run(db, jobs, WorkerConfig.DEFAULT)));
    trials.add(Trial.subject(DrainScenario.TUNED, db -> run(db, jobs, PgcHarness.TUNED)));
    return trials;
  }

  static Measurement run(BenchDatabase db, int jobs, WorkerConfig config) throws Exception {
    Completions completions = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db, BATCH_NOOP)) {
      var task =
          conductor.createBatchTask(
              TaskOptions.of(BATCH_NOOP).batch(SIZE, Duration.ofMillis(MAX_WAIT_MS)),
              Trigger.invocable(),
              (events, ctx) -> {
                List<Void> results = new ArrayList<>(events.size());
                for (int i = 0; i < events.size(); i++) {
                  completions.done();
                  results.add(null);
                }
                return results;
              });
      // The task's workers have run before, as in any deployment after its first start. The first
      // registration of a batch task marks the executions already queued for it as its own (an
      // update of the whole backlog, once); that is setup here, not the drain.
      try (var first = PgcHarness.orchestrator(conductor, task, config)) {
        first.start();
      }
      PgcHarness.enqueue(conductor, BATCH_NOOP, jobs);
      return PgcHarness.timedDrain(
          db, PgcHarness.orchestrator(conductor, task, config), completions, jobs);
    }
  }
}
