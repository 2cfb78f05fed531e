package dev.pgconductor.bench.util;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts handler runs, lets the harness wait until a count is reached, and optionally hands back
 * one enqueue credit per run (the back-pressure of the steady-state scenario). Cheap enough to be
 * called from every no-op handler: one atomic increment on the hot path.
 */
public final class Completions {
  private final AtomicLong count = new AtomicLong();
  private final Semaphore credits;
  private volatile long target = Long.MAX_VALUE;
  private volatile CountDownLatch reached = new CountDownLatch(1);

  /** Counts only. */
  public Completions() {
    this(null);
  }

  /** Counts, and releases one permit of {@code credits} per run. */
  public Completions(Semaphore credits) {
    this.credits = credits;
  }

  /** Called by a handler when it ran. */
  public void done() {
    long n = count.incrementAndGet();
    if (credits != null) {
      credits.release();
    }
    if (n >= target) {
      reached.countDown();
    }
  }

  public long count() {
    return count.get();
  }

  /** Blocks until at least {@code n} runs were counted, or fails after {@code timeout}. */
  public void await(long n, Duration timeout) throws InterruptedException, TimeoutException {
    CountDownLatch latch = new CountDownLatch(1);
    reached = latch;
    target = n;
    if (count.get() >= n) {
      latch.countDown();
    }
    if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(
          "only " + count.get() + " of " + n + " jobs ran within " + timeout.toSeconds() + " s");
    }
  }
}
