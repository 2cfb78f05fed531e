package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.util.Completions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 15: drains of 10 and 100 times {@code --jobs} (100,000 and 1,000,000 by default)
 * pre-enqueued no-op executions, with the default and the tuned worker config, measured as scenario
 * 3. A short drain weighs its start as much as its throughput; these show the rate a backlog drains
 * at once it is running, and whether it holds up as the tables fill with dead rows: the time at
 * which each tenth of the handlers had run is kept, and the rate of the last tenth is reported as a
 * share of the rate of the second (the first holds the start).
 */
public final class LargeDrainScenario implements Scenario {
  /** The metric of the last tenth's rate as a share of the second tenth's. */
  public static final String LAST_TENTH = "last tenth vs 2nd";

  @Override
  public int number() {
    return 15;
  }

  @Override
  public String title() {
    return "large drains (no-op)";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    List<Trial> trials = new ArrayList<>();
    for (int factor : new int[] {10, 100}) {
      int jobs = context.options().jobs() * factor;
      String size = String.format(Locale.ROOT, "%,d", jobs);
      trials.add(
          Trial.subject(
              DrainScenario.DEFAULT + ", " + size, db -> run(db, jobs, WorkerConfig.DEFAULT)));
      trials.add(
          Trial.subject(DrainScenario.TUNED + ", " + size, db -> run(db, jobs, PgcHarness.TUNED)));
    }
    return trials;
  }

  static Measurement run(BenchDatabase db, int jobs, WorkerConfig config) throws Exception {
    Completions completions = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      var task = PgcHarness.noopTask(conductor, completions);
      PgcHarness.enqueue(conductor, jobs, 1_000);
      // a backlog loaded in one go has no statistics yet; autovacuum would analyze it during the
      // drain, so the drain starts from analyzed tables as a running system's would
      db.execute("analyze pgconductor.executions");
      Tenths tenths = new Tenths(completions, jobs);
      Thread watcher = Thread.ofPlatform().daemon().name("bench-tenths").start(tenths);
      try {
        Measurement m =
            PgcHarness.timedDrain(
                db, PgcHarness.orchestrator(conductor, task, config), completions, jobs);
        return tenths.report(m);
      } finally {
        watcher.interrupt();
      }
    }
  }

  /** Records when each tenth of the handler runs was reached, polling every millisecond. */
  private static final class Tenths implements Runnable {
    private final Completions completions;
    private final int jobs;
    private final long[] at = new long[11]; // nanoTime when k tenths had run; at[0]: first seen
    private volatile int reached;

    Tenths(Completions completions, int jobs) {
      this.completions = completions;
      this.jobs = jobs;
    }

    @Override
    public void run() {
      at[0] = System.nanoTime();
      int k = 1;
      while (k <= 10 && !Thread.currentThread().isInterrupted()) {
        long count = completions.count();
        while (k <= 10 && count >= (long) jobs * k / 10) {
          at[k++] = System.nanoTime();
        }
        reached = k - 1;
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    Measurement report(Measurement m) {
      if (reached < 10) {
        return m;
      }
      double second = (jobs / 10.0) / ((at[2] - at[1]) / 1e9);
      double last = (jobs / 10.0) / ((at[10] - at[9]) / 1e9);
      List<Sample> samples = new ArrayList<>(m.samples());
      samples.add(new Sample(LAST_TENTH, "%", 100 * last / second, true));
      Measurement out = new Measurement(samples, m.details());
      for (int k = 1; k <= 10; k++) {
        out =
            out.withDetail(
                "tenth_" + k + "_jobs_per_s", (jobs / 10.0) / ((at[k] - at[k - 1]) / 1e9));
      }
      return out;
    }
  }
}
