package dev.pgconductor.bench;

import dev.pgconductor.ConductorListener;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.micrometer.PgConductorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the listener hook with pgconductor-micrometer's metrics costs per execution, without a
 * database: the events one execution raises in a drain (invoked, started, completed) are built as
 * the engine builds them and handed through the engine's listener dispatch to a {@link
 * PgConductorMetrics} on a {@code SimpleMeterRegistry}, from two threads at once over eight tasks.
 * Prints the CPU time per execution (the median of the measured rounds), to compare with a drain's
 * CPU per execution, which scenario 3 reports: a drain keeps the machine's cores busy, so the
 * drain's throughput moves by about the share of its CPU that the listener adds.
 *
 * <pre>{@code java -cp pgconductor-bench/target/pgconductor-bench.jar \
 *     dev.pgconductor.bench.ListenerCost}</pre>
 */
public final class ListenerCost {
  private static final int THREADS = 2;
  private static final int PER_ROUND = 1_000_000; // executions per thread and round
  private static final int WARM_UP_ROUNDS = 3;
  private static final int ROUNDS = 7;
  private static final String[] TASKS = {
    "send-email", "charge-card", "resize-image", "sync-crm", "export", "notify", "index", "audit"
  };

  private ListenerCost() {}

  public static void main(String[] args) throws Exception {
    PgConductorMetrics metrics = PgConductorMetrics.builder(new SimpleMeterRegistry()).build();
    Listeners withMetrics = Listeners.of(List.of(metrics));
    Listeners noop = Listeners.of(List.of(new ConductorListener() {}));
    UUID[] ids = new UUID[PER_ROUND];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = UUID.randomUUID();
    }
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try {
      for (int r = 0; r < WARM_UP_ROUNDS; r++) {
        round(threads, withMetrics, ids);
        round(threads, noop, ids);
      }
      double[] metricsNs = new double[ROUNDS];
      double[] noopNs = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) { // in turns, so that drift falls on both
        metricsNs[r] = round(threads, withMetrics, ids);
        noopNs[r] = round(threads, noop, ids);
      }
      System.out.printf(
          Locale.ROOT,
          "CPU per execution, median of %d rounds of %,d executions on each of %d threads:%n"
              + "  metrics listener: %.3f µs%n  no-op listener:   %.3f µs%n",
          ROUNDS,
          PER_ROUND,
          THREADS,
          median(metricsNs) / 1_000,
          median(noopNs) / 1_000);
    } finally {
      threads.shutdownNow();
    }
  }

  /** Runs one round on every thread; returns the CPU nanoseconds per execution. */
  private static double round(ExecutorService threads, Listeners listeners, UUID[] ids)
      throws Exception {
    List<Callable<Long>> work = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      work.add(() -> executions(listeners, ids));
    }
    long cpu = 0;
    for (Future<Long> f : threads.invokeAll(work)) {
      cpu += f.get();
    }
    return (double) cpu / ((long) THREADS * ids.length);
  }

  /** The events of one execution per id, as a drain raises them; returns this thread's CPU time. */
  private static long executions(Listeners listeners, UUID[] ids) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cpu0 = mx.getCurrentThreadCpuTime();
    for (int i = 0; i < ids.length; i++) {
      String task = TASKS[i & 7];
      String id = ids[i].toString();
      if (listeners.active()) {
        var invoked = new ConductorListener.Invoked(id, task, "default");
        listeners.fire(l -> l.executionInvoked(invoked));
      }
      if (listeners.active()) {
        var started =
            new ConductorListener.Started(
                ids[i].toString(), task, "default", 1, Duration.ofMillis(i & 1023));
        listeners.fire(l -> l.executionStarted(started));
      }
      if (listeners.active()) {
        var completed =
            new ConductorListener.Completed(
                ids[i].toString(), task, "default", 1, Duration.ofNanos(40_000 + (i & 4095)));
        listeners.fire(l -> l.executionCompleted(completed));
      }
    }
    return mx.getCurrentThreadCpuTime() - cpu0;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
