package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.util.IntervalLatencies;
import dev.pgconductor.bench.util.LatencyHistogram;
import dev.pgconductor.bench.util.Poll;
import java.io.PrintStream;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One fixed-rate run of scenario 4: pgconductor (tuned config) is offered a share of the maximum
 * rate the max-rate run measured, at a fixed pace, for a fixed time, and every execution's latency
 * is taken from the time its invoke was due to the time its handler ran.
 *
 * <p>The executions are invoked in batches of {@code rate × 10 ms} (1 to 100), batch {@code k} due
 * at {@code start + k × batch / rate}. A producer thread sleeps until a batch is due and hands it
 * to one of {@value #INVOKERS} invoking threads; when all of them are busy, the batch waits and
 * goes late. Latencies count from when the batch was due, so a stall of the invokes or of the
 * database shows up in them instead of hiding behind a slower pace (no coordinated omission). The
 * handler derives the due time from the execution's sequence number in its payload.
 *
 * <p>Completion is the handler having run; the outcome is written later, in the worker's batched
 * flush, and is not waited for. Latencies go into one {@link LatencyHistogram} per interval
 * (intervals by when the handler ran), so memory does not grow with the run. After the last
 * interval the producer stops and the run waits until every invoked execution has run; those that
 * run after the end count in the overall latencies, not in any interval's rate.
 */
final class FixedRateRun {
  static final String RATE = "completed/s";
  static final String P50 = "latency p50";
  static final String P99 = "latency p99";
  static final String MAX = "latency max";

  /** Completions in the last interval as a percentage of those in the first. */
  static final String LAST_VS_FIRST = "last/first";

  /**
   * The time one invoke's batch covers: near the maximum rate, about as many invokes a second as
   * the max-rate run's batches of 100 make.
   */
  static final Duration PACE = Duration.ofMillis(10);

  static final int MAX_BATCH = 100;

  /** Threads invoking at once. */
  static final int INVOKERS = 4;

  /** Runs of at least this long are reported per minute; shorter ones in six intervals. */
  static final Duration PER_MINUTE_FROM = Duration.ofMinutes(5);

  private FixedRateRun() {}

  /** How many intervals a run of {@code duration} is reported in. */
  static int intervals(Duration duration) {
    return duration.compareTo(PER_MINUTE_FROM) >= 0
        ? (int) Math.max(1, Math.round(duration.toSeconds() / 60.0))
        : 6;
  }

  /** When each execution's invoke is due: batch {@code n / batch} of a fixed pace. */
  private record Schedule(long start, double periodNanos, int batch) {
    long batchDue(long k) {
      return start + (long) (k * periodNanos);
    }

    long due(int n) {
      return batchDue(n / batch);
    }
  }

  /** What the handler needs; set before the first invoke. */
  private record Recording(Schedule schedule, IntervalLatencies latencies) {}

  /**
   * Offers {@code percent}% of {@code maxRate} for {@code duration}; progress (one line per
   * interval, the table sizes) goes to {@code log}.
   */
  static Measurement run(
      BenchDatabase db, double maxRate, int percent, Duration duration, PrintStream log)
      throws Exception {
    double rate = maxRate * percent / 100.0;
    if (!(rate > 0)) {
      throw new IllegalArgumentException("no rate to offer: max rate " + maxRate);
    }
    int batch = (int) Math.max(1, Math.min(MAX_BATCH, Math.round(rate * PACE.toNanos() / 1e9)));
    double periodNanos = batch * 1e9 / rate;
    int intervalCount = intervals(duration);
    long intervalNanos = duration.toNanos() / intervalCount;
    long runNanos = intervalNanos * intervalCount;
    long batches = (long) Math.ceil(runNanos / periodNanos);
    if (batches * batch > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many executions for one run: " + batches * batch);
    }

    AtomicReference<Recording> recording = new AtomicReference<>();
    try (Conductor<Void> conductor = PgcHarness.conductor(db);
        Connection monitor = db.connect()) {
      Task<PgcHarness.Noop, Void> task =
          conductor.createTask(
              TaskOptions.of(PgcHarness.NOOP),
              Trigger.invocable(),
              (event, ctx) -> {
                long now = System.nanoTime();
                Recording r = recording.get();
                r.latencies().record(r.schedule().due(event.payload().n()), now);
                return null;
              });
      try (Orchestrator orchestrator = PgcHarness.orchestrator(conductor, task, PgcHarness.TUNED)) {
        orchestrator.start();
        HotTables.Snapshot before = HotTables.take(monitor);
        long start = System.nanoTime() + Duration.ofMillis(100).toNanos();
        Schedule schedule = new Schedule(start, periodNanos, batch);
        IntervalLatencies latencies = new IntervalLatencies(start, intervalNanos, intervalCount);
        // the enqueue side alone: from a batch's due time until its invoke returned (committed)
        IntervalLatencies invokes = new IntervalLatencies(start, intervalNanos, intervalCount);
        recording.set(new Recording(schedule, latencies));

        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong invoked = new AtomicLong();
        AtomicLong maxLag = new AtomicLong();
        AtomicLong late = new AtomicLong();
        // Due batches go to a few invoking threads, so that one slow invoke (a commit waiting for
        // the disk) does not hold back the next, as in an application that invokes from many
        // threads; a batch waits only while every invoking thread is busy.
        ExecutorService invokers =
            Executors.newFixedThreadPool(
                INVOKERS, Thread.ofPlatform().name("invoker-", 0).factory());
        Thread producer =
            Thread.ofPlatform()
                .name("fixed-rate-producer")
                .start(
                    () -> {
                      for (long k = 0; k < batches && !stop.get(); k++) {
                        long due = schedule.batchDue(k);
                        int from = (int) (k * batch);
                        sleepUntil(due);
                        invokers.execute(
                            () -> {
                              if (stop.get()) {
                                return;
                              }
                              long lag = System.nanoTime() - due;
                              maxLag.accumulateAndGet(lag, Math::max);
                              if (lag > periodNanos) {
                                late.incrementAndGet();
                              }
                              try {
                                conductor.invokeBatch(
                                    PgcHarness.NOOP, PgcHarness.invocations(from, batch));
                                invokes.record(due, System.nanoTime());
                                invoked.addAndGet(batch);
                              } catch (Throwable e) {
                                failure.compareAndSet(null, e);
                                stop.set(true);
                              }
                            });
                      }
                    });
        log.printf(
            Locale.ROOT,
            "    %d%% of %,.0f/s: %,.0f/s offered, %d per call every %.2f ms, %d intervals of %s%n",
            percent,
            maxRate,
            rate,
            batch,
            periodNanos / 1e6,
            intervalCount,
            seconds(intervalNanos));

        List<HotTables.Snapshot> atBoundaries = new ArrayList<>();
        try {
          for (int i = 0; i < intervalCount; i++) {
            long boundary = start + (i + 1) * intervalNanos;
            while (System.nanoTime() < boundary && failure.get() == null) {
              LockSupport.parkNanos(Math.min(boundary - System.nanoTime(), 50_000_000L));
            }
            throwIfFailed(failure);
            HotTables.Snapshot sizes = HotTables.take(monitor);
            atBoundaries.add(sizes);
            LatencyHistogram h = latencies.interval(i);
            LatencyHistogram inv = invokes.interval(i);
            log.printf(
                Locale.ROOT,
                "    %-11s %,9.0f/s  p50 %7.2f  p99 %7.2f  max %8.2f ms  (invoke p50 %6.2f  p99"
                    + " %7.2f ms)  executions %s, %,d dead%n",
                span(i, intervalNanos),
                h.count() * 1e9 / intervalNanos,
                h.percentileMillis(50),
                h.percentileMillis(99),
                h.maxMillis(),
                inv.percentileMillis(50),
                inv.percentileMillis(99),
                HotTables.bytes(sizes.executionsBytes()),
                sizes.executionsDeadTuples());
          }
          producer.join();
          invokers.shutdown();
          if (!invokers.awaitTermination(60, TimeUnit.SECONDS)) {
            failure.compareAndSet(
                null, new IllegalStateException("still invoking 60 s after the end"));
          }
          throwIfFailed(failure);
          long total = invoked.get();
          Poll.until(
              "every invoked execution to run",
              () -> latencies.count() >= total,
              Duration.ofMillis(5),
              PgcHarness.budget(total - latencies.count()));
        } finally {
          stop.set(true);
          producer.join();
          invokers.shutdownNow();
          invokers.awaitTermination(10, TimeUnit.SECONDS);
        }
        long lastRunAfterEnd = System.nanoTime() - (start + runNanos);
        HotTables.Snapshot after = atBoundaries.getLast();
        log.printf(Locale.ROOT, "    hot tables, start -> end: %s%n", sizesLine(before, after));
        return measurement(
            maxRate,
            rate,
            batch,
            periodNanos,
            intervalNanos,
            latencies,
            invokes,
            atBoundaries,
            before,
            invoked.get(),
            maxLag.get(),
            late.get(),
            lastRunAfterEnd);
      }
    }
  }

  private static Measurement measurement(
      double maxRate,
      double rate,
      int batch,
      double periodNanos,
      long intervalNanos,
      IntervalLatencies latencies,
      IntervalLatencies invokes,
      List<HotTables.Snapshot> atBoundaries,
      HotTables.Snapshot before,
      long invoked,
      long maxLagNanos,
      long lateBatches,
      long tailNanos) {
    int n = latencies.intervals();
    List<Map<String, Object>> rows = new ArrayList<>();
    long inRun = 0;
    for (int i = 0; i < n; i++) {
      LatencyHistogram h = latencies.interval(i);
      HotTables.Snapshot sizes = atBoundaries.get(i);
      long count = h.count();
      inRun += count;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("interval", i + 1);
      row.put("from_s", i * intervalNanos / 1e9);
      row.put("to_s", (i + 1) * intervalNanos / 1e9);
      row.put("completed", count);
      row.put("completed_per_s", count * 1e9 / intervalNanos);
      row.put("p50_ms", orNull(h.percentileMillis(50)));
      row.put("p99_ms", orNull(h.percentileMillis(99)));
      row.put("max_ms", orNull(h.maxMillis()));
      LatencyHistogram inv = invokes.interval(i);
      row.put("invoke_p50_ms", orNull(inv.percentileMillis(50)));
      row.put("invoke_p99_ms", orNull(inv.percentileMillis(99)));
      row.put("executions_bytes", sizes.executionsBytes());
      row.put("executions_dead_tuples", sizes.executionsDeadTuples());
      row.put("finished_bytes", sizes.bytes("finished_executions"));
      rows.add(row);
    }
    long first = latencies.interval(0).count();
    long last = latencies.interval(n - 1).count();
    LatencyHistogram all = latencies.overall();
    HotTables.Snapshot after = atBoundaries.getLast();
    return new Measurement(
            List.of(
                new Sample(RATE, Sample.JOBS_PER_SECOND, inRun * 1e9 / (n * intervalNanos), true),
                Sample.millis(P50, all.percentileMillis(50)),
                Sample.millis(P99, all.percentileMillis(99)),
                Sample.millis(MAX, all.maxMillis()),
                new Sample(
                    LAST_VS_FIRST, "%", first == 0 ? Double.NaN : 100.0 * last / first, true)),
            Map.of())
        .withDetail("max_rate", maxRate)
        .withDetail("offered_rate", rate)
        .withDetail("batch", batch)
        .withDetail("period_ms", periodNanos / 1e6)
        .withDetail("interval_s", intervalNanos / 1e9)
        .withDetail("invoked", invoked)
        .withDetail("completed_in_run", inRun)
        .withDetail("completed_after_end", latencies.tail().count())
        .withDetail("last_completion_after_end_ms", tailNanos / 1e6)
        .withDetail("invoke_p50_ms", invokes.overall().percentileMillis(50))
        .withDetail("invoke_p99_ms", invokes.overall().percentileMillis(99))
        .withDetail("producer_max_lag_ms", maxLagNanos / 1e6)
        .withDetail("producer_late_batches", lateBatches)
        .withDetail("hot_bytes_start", before.totalBytes())
        .withDetail("hot_bytes_end", after.totalBytes())
        .withDetail("executions_bytes_start", before.executionsBytes())
        .withDetail("executions_bytes_end", after.executionsBytes())
        .withDetail("dead_tuples_start", before.deadTuples())
        .withDetail("dead_tuples_end", after.deadTuples())
        .withList("intervals", rows)
        .withList("sizes_start", before.toRows())
        .withList("sizes_end", after.toRows());
  }

  /** Per table: total size at start and end, and dead tuples at start and end. */
  private static String sizesLine(HotTables.Snapshot before, HotTables.Snapshot after) {
    StringBuilder s = new StringBuilder();
    for (HotTables.Size end : after.tables()) {
      HotTables.Size start =
          before.tables().stream()
              .filter(t -> t.table().equals(end.table()))
              .findFirst()
              .orElse(new HotTables.Size(end.table(), 0, 0, 0, 0, 0, 0));
      if (!s.isEmpty()) {
        s.append("; ");
      }
      s.append(
          String.format(
              Locale.ROOT,
              "%s %s -> %s (indexes %s), dead tuples %,d -> %,d",
              end.table(),
              HotTables.bytes(start.totalBytes()),
              HotTables.bytes(end.totalBytes()),
              HotTables.bytes(end.indexBytes()),
              start.deadTuples(),
              end.deadTuples()));
    }
    return s.toString();
  }

  private static void sleepUntil(long nanoTime) {
    for (long wait = nanoTime - System.nanoTime(); wait > 0; wait = nanoTime - System.nanoTime()) {
      LockSupport.parkNanos(wait);
    }
  }

  private static void throwIfFailed(AtomicReference<Throwable> failure) {
    Throwable e = failure.get();
    if (e != null) {
      throw new IllegalStateException("producer failed: " + e, e);
    }
  }

  private static Object orNull(double v) {
    return Double.isNaN(v) ? null : v;
  }

  /** Interval {@code i} as "10-20 s". */
  static String span(int i, long intervalNanos) {
    return number(i * intervalNanos) + "-" + number((i + 1) * intervalNanos) + " s";
  }

  static String seconds(long nanos) {
    return number(nanos) + " s";
  }

  private static String number(long nanos) {
    double s = nanos / 1e9;
    return s == Math.rint(s)
        ? String.format(Locale.ROOT, "%.0f", s)
        : String.format(Locale.ROOT, "%.1f", s);
  }
}
