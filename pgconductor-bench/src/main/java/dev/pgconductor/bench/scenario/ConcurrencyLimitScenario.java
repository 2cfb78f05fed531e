package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.bench.util.Poll;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 9: the drain rate of an unlimited no-op task ({@code jobs} executions, tuned config,
 * from start until all of its outcomes are written) in a queue where a second no-op task is
 * limited to 2 at a time and has {@code jobs / 2} executions queued in front of (older than) all
 * the unlimited work, against the same drain with no second task at all. Target: the limited task
 * costs the unlimited one less than 10%.
 *
 * <p>The baseline is the unlimited task alone rather than the same queue without the limit:
 * without a limit the worker would spend part of the measured time on the second task, which
 * makes any comparison flatter the limit. What is measured is what the limited backlog in front
 * (which a naive claim scans past or gets stuck behind), the limit's bookkeeping and the trickle
 * of limited executions cost the unlimited work.
 */
public final class ConcurrencyLimitScenario implements Scenario {
  static final TaskDefinition<Noop, Void> LIMITED = TaskDefinition.of("bench-limited", Noop.class);
  /** The limit of the limited task in the "one task limited" variant. */
  static final int LIMIT = 2;

  @Override
  public int number() {
    return 9;
  }

  @Override
  public String title() {
    return "one task concurrency-limited";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    return List.of(
        Trial.subject("unlimited task alone", db -> run(db, jobs, false)),
        Trial.subject("beside one limited to " + LIMIT, db -> run(db, jobs, true)));
  }

  static Measurement run(BenchDatabase db, int jobs, boolean withLimited) throws Exception {
    Completions unlimitedDone = new Completions();
    Completions limitedDone = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db, PgcHarness.NOOP, LIMITED)) {
      Task<Noop, Void> free = PgcHarness.noopTask(conductor, unlimitedDone);
      Task<Noop, Void> capped =
          conductor.createTask(
              TaskOptions.of(LIMITED).concurrency(LIMIT),
              Trigger.invocable(),
              (event, ctx) -> {
                limitedDone.done();
                return null;
              });
      if (withLimited) {
        // older than (in front of) all unlimited work in the claim order
        PgcHarness.enqueue(conductor, LIMITED, jobs / 2);
      }
      PgcHarness.enqueue(conductor, PgcHarness.NOOP, jobs);
      Orchestrator orchestrator =
          PgcHarness.orchestrator(
              conductor, withLimited ? List.of(free, capped) : List.of(free), PgcHarness.TUNED);
      try {
        long t0 = System.nanoTime();
        orchestrator.start();
        unlimitedDone.await(jobs, PgcHarness.budget(jobs));
        try (Connection c = db.connect()) {
          Poll.until(
              "all outcomes of the unlimited task to be written",
              () -> BenchDatabase.queryLong(c,
                      "select count(*) from pgconductor.executions where task_key = 'bench-noop'")
                  == 0,
              Duration.ofMillis(2),
              PgcHarness.budget(jobs));
        }
        long elapsed = System.nanoTime() - t0;
        return Measurement.of(Sample.throughput(jobs, elapsed))
            .withDetail("other_task_runs", limitedDone.count());
      } finally {
        orchestrator.close();
      }
    }
  }
}
