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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 9: the drain rate of an unlimited no-op task ({@code jobs} executions, tuned config,
 * from start until all of its outcomes are written) in a queue where a second no-op task is limited
 * to 2 at a time and has {@code jobs / 2} executions queued in front of (older than) all the
 * unlimited work, against the same drain with no second task at all. Target: the limited task costs
 * the unlimited one less than 10%.
 *
 * <p>Each run measures both, one after the other on the same database (schema reinstalled in
 * between), in alternating order, so that drift of a busy machine does not fall on one side. The
 * target is judged on the pairs: each run also reports how much slower its drain beside the limited
 * task was than its drain alone, seconds apart, and the target takes the median of those. The
 * machine drifts over minutes by as much as the effect measured (the raw-SQL bound moved by a third
 * between two full runs an hour apart), and a ratio of two separate medians mixes that drift in; a
 * median of paired ratios does not.
 *
 * <p>The baseline is the unlimited task alone rather than the same queue without the limit: without
 * a limit the worker would spend part of the measured time on the second task, which makes any
 * comparison flatter the limit. What is measured is what the limited backlog in front (which a
 * naive claim scans past or gets stuck behind), the limit's bookkeeping and the trickle of limited
 * executions cost the unlimited work.
 */
public final class ConcurrencyLimitScenario implements Scenario {
  static final TaskDefinition<Noop, Void> LIMITED = TaskDefinition.of("bench-limited", Noop.class);

  /** The limit of the limited task in the "one task limited" variant. */
  static final int LIMIT = 2;

  /** Metric: drain rate of the unlimited task alone in its queue. */
  public static final String ALONE = "alone";

  /** Metric: drain rate of the unlimited task beside the limited one's backlog. */
  public static final String BESIDE = "beside it";

  /** Metric: per run, how much slower beside than alone, in percent (the target's measure). */
  public static final String SLOWER = "% slower";

  private final AtomicInteger runs = new AtomicInteger();

  @Override
  public int number() {
    return 9;
  }

  /**
   * Three pairs per run asked for. A pair is two drains of a fraction of a second, and on this kind
   * of machine pairs of one trial spread from -30% to +28% around a cost of a few percent, so the
   * median of three swung by ±15 points from one trial to the next (BENCHMARKS.md); nine pairs take
   * about 20 seconds.
   */
  @Override
  public int runs(int requested) {
    return 3 * requested;
  }

  @Override
  public String title() {
    return "one task concurrency-limited";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    return List.of(Trial.subject("unlimited task, one limited to " + LIMIT, db -> pair(db, jobs)));
  }

  private Measurement pair(BenchDatabase db, int jobs) throws Exception {
    boolean limitedFirst = runs.getAndIncrement() % 2 == 1;

    Measurement first = run(db, jobs, limitedFirst);
    db.execute("drop schema pgconductor cascade");
    Measurement second = run(db, jobs, !limitedFirst);
    Measurement alone = limitedFirst ? second : first;
    Measurement beside = limitedFirst ? first : second;
    return Measurement.of(
            new Sample(ALONE, Sample.JOBS_PER_SECOND, throughput(alone), true),
            new Sample(BESIDE, Sample.JOBS_PER_SECOND, throughput(beside), true),
            new Sample(SLOWER, "%", 100 * (1 - throughput(beside) / throughput(alone)), false))
        .withDetail("alone_last_handler_ms", alone.details().get("last_handler_ms"))
        .withDetail("alone_all_written_ms", alone.details().get("all_written_ms"))
        .withDetail("beside_last_handler_ms", beside.details().get("last_handler_ms"))
        .withDetail("beside_all_written_ms", beside.details().get("all_written_ms"))
        .withDetail("other_task_runs", beside.details().get("other_task_runs"));
  }

  private static double throughput(Measurement m) {
    return m.samples().getFirst().value();
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
      List<Task<Noop, Void>> served = withLimited ? List.of(free, capped) : List.of(free);
      // the tasks (and the limit) are registered before the work arrives, as they are in a
      // running system once any orchestrator serving them started; setup, not measured
      try (Orchestrator registering =
          PgcHarness.orchestrator(conductor, served, PgcHarness.TUNED)) {
        registering.start();
      }
      if (withLimited) {
        // older than (in front of) all unlimited work in the claim order
        PgcHarness.enqueue(conductor, LIMITED, jobs / 2);
      }
      PgcHarness.enqueue(conductor, PgcHarness.NOOP, jobs);
      Orchestrator orchestrator = PgcHarness.orchestrator(conductor, served, PgcHarness.TUNED);
      try {
        long t0 = System.nanoTime();
        orchestrator.start();
        unlimitedDone.await(jobs, PgcHarness.budget(jobs));
        long handlersDone = System.nanoTime() - t0;
        // Counted where the outcomes land, so that both variants poll a table of the same size:
        // the hot table beside the limited task holds its backlog too (jobs / 2 more rows), and
        // a count over it cost each poll of that variant a third more.
        try (Connection c = db.connect()) {
          Poll.until(
              "all outcomes of the unlimited task to be written",
              () ->
                  BenchDatabase.queryLong(
                          c,
                          "select count(*) from pgconductor.finished_executions"
                              + " where task_key = 'bench-noop'")
                      == jobs,
              Duration.ofMillis(2),
              PgcHarness.budget(jobs));
        }
        long elapsed = System.nanoTime() - t0;
        return Measurement.of(Sample.throughput(jobs, elapsed))
            .withDetail("last_handler_ms", handlersDone / 1e6)
            .withDetail("all_written_ms", elapsed / 1e6)
            .withDetail("other_task_runs", limitedDone.count());
      } finally {
        orchestrator.close();
      }
    }
  }
}
