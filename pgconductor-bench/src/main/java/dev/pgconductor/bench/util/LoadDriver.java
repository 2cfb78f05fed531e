package dev.pgconductor.bench.util;

import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The measuring loops pgconductor and the in-JVM peers share (scenarios 1, 2 and 4), so every
 * system is timed the same way; each only supplies how it enqueues.
 */
public final class LoadDriver {
  private LoadDriver() {}

  /** Enqueues one job ({@code n}) per call. */
  @FunctionalInterface
  public interface EnqueueOne {
    void enqueue(int n) throws Exception;
  }

  /** Enqueues jobs {@code from .. from+count-1} in one call. */
  @FunctionalInterface
  public interface EnqueueMany {
    void enqueue(int from, int count) throws Exception;
  }

  /** Scenario 1: {@code callers} threads call {@code one} until {@code jobs} calls were made. */
  public static Measurement enqueueSingle(int jobs, int callers, EnqueueOne one) throws Exception {
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(callers, Thread.ofPlatform().name("caller-", 0).factory());
    try {
      long t0 = System.nanoTime();
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < jobs; i = next.getAndIncrement()) {
                    one.enqueue(i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      return Measurement.of(Sample.throughput(jobs, System.nanoTime() - t0));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Scenario 2: one caller enqueues {@code jobs} in calls of {@code batch}. */
  public static Measurement enqueueBatch(int jobs, int batch, EnqueueMany many) throws Exception {
    long t0 = System.nanoTime();
    for (int done = 0; done < jobs; done += batch) {
      many.enqueue(done, Math.min(batch, jobs - done));
    }
    return Measurement.of(Sample.throughput(jobs, System.nanoTime() - t0));
  }

  /**
   * Scenario 4: a producer enqueues batches for {@code duration}, holding one credit per job not
   * yet run (the workers' {@code completions} give them back); returns completed per second.
   */
  public static Measurement steadyState(
      Duration duration, int batch, Semaphore credits, Completions completions, EnqueueMany many)
      throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long t0 = System.nanoTime();
    long end = t0 + duration.toNanos();
    long[] enqueued = new long[1];
    Thread producer =
        Thread.ofPlatform()
            .name("producer")
            .start(
                () -> {
                  try {
                    int n = 0;
                    while (System.nanoTime() < end) {
                      if (!credits.tryAcquire(batch, 100, TimeUnit.MILLISECONDS)) {
                        continue;
                      }
                      many.enqueue(n, batch);
                      n += batch;
                      enqueued[0] = n;
                    }
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });
    producer.join(duration.toMillis() + 60_000);
    long done = completions.count();
    long elapsed = System.nanoTime() - t0;
    if (failure.get() != null) {
      throw new IllegalStateException("producer failed: " + failure.get(), failure.get());
    }
    return Measurement.of(Sample.throughput(done, elapsed))
        .withDetail("enqueued", enqueued[0])
        .withDetail("completed", done);
  }
}
