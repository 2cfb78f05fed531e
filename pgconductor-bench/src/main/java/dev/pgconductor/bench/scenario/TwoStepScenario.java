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
import dev.pgconductor.bench.peer.Workload;
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import dev.pgconductor.bench.util.Completions;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 5: drain of tasks whose handler runs two memoized steps ({@code ctx.step}, each
 * recording a small JSON result) and returns, with the tuned config; measured like scenario 3
 * (start until every outcome is written). The target compares it with scenario 3's tuned no-op
 * drain (at least 50%). The raw-SQL bound runs beside it (the peers have no memoized steps): what
 * two durable step rows per job cost Postgres itself, to set against scenario 3's bound.
 */
public final class TwoStepScenario implements Scenario {
  static final TaskDefinition<Noop, Void> TWO_STEP =
      TaskDefinition.of("bench-two-step", Noop.class);

  @Override
  public int number() {
    return 5;
  }

  @Override
  public String title() {
    return "2-step tasks";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    List<Trial> trials = new ArrayList<>();
    trials.add(Trial.subject(DrainScenario.DEFAULT, db -> run(db, jobs, WorkerConfig.DEFAULT)));
    trials.add(Trial.subject(DrainScenario.TUNED, db -> run(db, jobs, PgcHarness.TUNED)));
    trials.addAll(context.peerTrials(new Workload.TwoStep(jobs), DrainScenario.TUNED));
    return trials;
  }

  static Measurement run(BenchDatabase db, int jobs) throws Exception {
    return run(db, jobs, PgcHarness.TUNED);
  }

  static Measurement run(BenchDatabase db, int jobs, WorkerConfig config) throws Exception {
    Completions completions = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db, TWO_STEP)) {
      var task =
          conductor.createTask(
              TaskOptions.of(TWO_STEP),
              Trigger.invocable(),
              (event, ctx) -> {
                int n = event.payload().n();
                int a = ctx.step("first", Integer.class, () -> n + 1);
                ctx.step("second", Integer.class, () -> a + 1);
                completions.done();
                return null;
              });
      PgcHarness.enqueue(conductor, TWO_STEP, jobs);
      return PgcHarness.timedDrain(
          db, PgcHarness.orchestrator(conductor, task, config), completions, jobs);
    }
  }
}
