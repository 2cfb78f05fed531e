package dev.pgconductor.bench.util;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Polls a condition the harness cannot be notified of (e.g. "no unfinished row is left in the
 * database") at a short, fixed interval.
 */
public final class Poll {
  private Poll() {}

  /**
   * Returns once {@code condition} is true; checks every {@code every}; fails after {@code
   * timeout}.
   */
  public static void until(
      String what, Callable<Boolean> condition, Duration every, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      LockSupport.parkNanos(every.toNanos());
    }
  }

  /**
   * A timeout that grows with the work: {@code base} plus one second per {@code perSecond} jobs.
   */
  public static Duration budget(Duration base, long jobs, long perSecond) {
    return base.plusSeconds(jobs / Math.max(1, perSecond));
  }
}
