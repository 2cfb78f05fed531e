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
import java.util.List;

/**
 * Scenario 6: parents that each invoke one child ({@code ctx.invoke}) and wait for its result. The
 * parent is released while the child runs and resumed when it finishes, so every parent runs twice
 * and every child once. N parents are enqueued; measured with the tuned config from start until all
 * N parents finished (their handler got the child's result, and the hot table is empty), as parents
 * per second (target: at least 5,000/s).
 */
public final class ParentChildScenario implements Scenario {
  static final TaskDefinition<Noop, Void> PARENT = TaskDefinition.of("bench-parent", Noop.class);
  static final TaskDefinition<Noop, Integer> CHILD =
      TaskDefinition.of("bench-child", Noop.class, Integer.class);

  @Override
  public int number() {
    return 6;
  }

  @Override
  public String title() {
    return "parent invokes child and waits";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    return List.of(
        Trial.subject(DrainScenario.DEFAULT, db -> run(db, jobs, WorkerConfig.DEFAULT)),
        Trial.subject(DrainScenario.TUNED, db -> run(db, jobs, PgcHarness.TUNED)));
  }

  static Measurement run(BenchDatabase db, int parents) throws Exception {
    return run(db, parents, PgcHarness.TUNED);
  }

  static Measurement run(BenchDatabase db, int parents, WorkerConfig config) throws Exception {
    Completions parentsDone = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db, PARENT, CHILD)) {
      var child =
          conductor.createTask(
              TaskOptions.of(CHILD), Trigger.invocable(), (event, ctx) -> event.payload().n());
      var parent =
          conductor.createTask(
              TaskOptions.of(PARENT),
              Trigger.invocable(),
              (event, ctx) -> {
                Integer n = ctx.invoke("child", CHILD, event.payload());
                if (n != event.payload().n()) {
                  throw new IllegalStateException("child returned " + n);
                }
                parentsDone.done();
                return null;
              });
      PgcHarness.enqueue(conductor, PARENT, parents);
      return PgcHarness.timedDrain(
          db,
          PgcHarness.orchestrator(conductor, List.of(parent, child), config),
          parentsDone,
          parents);
    }
  }
}
