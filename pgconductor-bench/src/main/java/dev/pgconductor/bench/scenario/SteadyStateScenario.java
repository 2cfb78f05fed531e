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
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenario 4: steady state. For a fixed time a producer thread enqueues batches of 100 while the
 * workers (tuned config) run them; the producer never lets more than {@value #MAX_BACKLOG}
 * executions wait (it takes one credit per execution, every handler run gives one back), so the
 * queue stays short and the number is what the system sustains end to end: completed per second,
 * the maximum rate. Peers and the raw-SQL bound run the same.
 *
 * <p>pgconductor then runs twice more at a fixed rate, {@value #HALF}% and {@value #HIGH}% of that
 * maximum, for {@link dev.pgconductor.bench.BenchOptions#fixedDuration} (see {@link FixedRateRun}):
 * invoke-to-completion latency and completions per interval, and the size of the hot tables at
 * start and end. Their rate comes from the latest max-rate run of pgconductor in this benchmark:
 * the one of the same turn when the runner goes forward (max-rate first), the previous turn's when
 * it goes backwards.
 */
public final class SteadyStateScenario implements Scenario {
  static final int BATCH = 100;
  static final int MAX_BACKLOG = 5_000;

  /** The loads of the fixed-rate runs, in percent of the maximum rate. */
  public static final int HALF = 50;

  public static final int HIGH = 90;

  /** Variant label of a fixed-rate run at {@code percent}% of the maximum rate. */
  public static String fixedVariant(int percent) {
    return percent + "% of max rate";
  }

  /** Metric of a fixed-rate run: latency p99 over the whole run, in ms. */
  public static final String LATENCY_P99 = FixedRateRun.P99;

  /** Metric of a fixed-rate run: completions in the last interval in % of the first. */
  public static final String LAST_VS_FIRST = FixedRateRun.LAST_VS_FIRST;

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
    AtomicReference<Double> maxRate = new AtomicReference<>();
    trials.add(
        Trial.subject(
            variant,
            db -> {
              Measurement m = run(db, duration);
              maxRate.set(m.samples().getFirst().value());
              return m;
            }));
    Duration fixed = context.options().fixedDuration();
    for (int percent : List.of(HALF, HIGH)) {
      trials.add(
          Trial.subject(
              fixedVariant(percent) + ", " + fixed.toSeconds() + " s",
              db -> {
                Double max = maxRate.get();
                if (max == null) {
                  throw new IllegalStateException(
                      "no max-rate run of pgconductor to take the rate from (it failed)");
                }
                return FixedRateRun.run(db, max, percent, fixed, context.log());
              }));
    }
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
