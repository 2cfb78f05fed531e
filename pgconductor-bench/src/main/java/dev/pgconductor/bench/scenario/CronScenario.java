package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 11: 1,000 dynamic cron schedules, each due every second, run by one orchestrator with
 * the default worker config. Reports the executions run per second and their lateness: from the
 * second an occurrence was due to the start of its handler, by the wall clock. The first two
 * seconds are not counted (the schedules' first occurrences are created then).
 */
public final class CronScenario implements Scenario {
  private static final Duration WARM_UP = Duration.ofSeconds(2);

  @Override
  public int number() {
    return 11;
  }

  @Override
  public String title() {
    return "cron occurrences";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    Duration duration = context.options().steadyDuration();
    int schedules = context.options().smoke() ? 100 : 1_000;
    return List.of(
        Trial.subject(
            schedules + " schedules every second, default config",
            db -> run(db, schedules, duration)));
  }

  static Measurement run(BenchDatabase db, int schedules, Duration duration) throws Exception {
    ConcurrentLinkedQueue<Long> lateness = new ConcurrentLinkedQueue<>();
    long countFrom = System.currentTimeMillis() + WARM_UP.toMillis();
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      var task =
          conductor.createTask(
              TaskOptions.of(PgcHarness.NOOP),
              Trigger.invocable(),
              (event, ctx) -> {
                long now = System.currentTimeMillis();
                if (event instanceof TaskEvent.Scheduled<Noop> s
                    && s.scheduledFor().toEpochMilli() >= countFrom) {
                  lateness.add(now - s.scheduledFor().toEpochMilli());
                }
                return null;
              });
      try (Orchestrator orchestrator =
          PgcHarness.orchestrator(conductor, task, WorkerConfig.DEFAULT)) {
        orchestrator.start(); // registers the task, so occurrences can be made for it
        for (int i = 0; i < schedules; i++) {
          conductor.schedule(PgcHarness.NOOP, "every-second-" + i, "* * * * * *", new Noop(i));
        }
        long end = countFrom + duration.toMillis();
        while (System.currentTimeMillis() < end) {
          LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
      }
      long[] sorted = lateness.stream().mapToLong(Long::longValue).sorted().toArray();
      if (sorted.length == 0) {
        throw new IllegalStateException("no occurrence ran after the warm-up");
      }
      double seconds = duration.toMillis() / 1000.0;
      return Measurement.of(
              Sample.throughput(sorted.length / seconds),
              Sample.millis("lateness p50", percentile(sorted, 0.50)),
              Sample.millis("lateness p99", percentile(sorted, 0.99)))
          .withDetail("lateness_max_ms", sorted[sorted.length - 1])
          .withDetail("expected_per_s", schedules);
    }
  }

  private static double percentile(long[] sorted, double q) {
    int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, index)];
  }
}
