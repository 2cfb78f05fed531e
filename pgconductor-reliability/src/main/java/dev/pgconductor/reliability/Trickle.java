package dev.pgconductor.reliability;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invokes work at a steady rate on a thread of its own while faults are injected, so that faults
 * land on work in every stage. An invoke that fails (Postgres away) is tried again later.
 */
public final class Trickle implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Trickle.class);

  private final Thread thread;
  private final AtomicInteger invoked = new AtomicInteger();
  private static final long MAX_HOLD_NANOS = 120_000_000_000L;

  private volatile boolean stopped;
  private volatile boolean gaveUp;

  /**
   * Starts invoking {@code total} executions in batches of {@code batch}, spread evenly over {@code
   * seconds}; {@code invokeBatch} receives the index of each batch's first execution. While {@code
   * backlog} says more than {@code maxBacklog} invoked executions are unfinished, it waits: a queue
   * with a backlog runs first come, first served, so work invoked faster than the workers can run
   * it would only measure the backlog. Time spent waiting is made up afterwards (still within the
   * backlog), so the total is reached when the workers keep up on average.
   */
  public Trickle(
      int total,
      int batch,
      double seconds,
      LongSupplier backlog,
      long maxBacklog,
      IntConsumer invokeBatch) {
    long pauseNanos = (long) (seconds * 1e9 * batch / total);
    this.thread =
        Thread.ofPlatform()
            .name("trickle")
            .start(
                () -> {
                  long next = System.nanoTime();
                  while (!stopped && invoked.get() < total) {
                    try {
                      long heldSince = System.nanoTime();
                      while (!stopped && backlog.getAsLong() > maxBacklog) {
                        if (System.nanoTime() - heldSince > MAX_HOLD_NANOS) {
                          // the workers stopped making progress: stop invoking, let the
                          // scenario's deadline and the checker tell what happened
                          LOG.warn("the backlog did not drain for 2 minutes; invoking stops");
                          gaveUp = true;
                          stopped = true;
                          break;
                        }
                        LockSupport.parkNanos(100_000_000L);
                      }
                      if (stopped) {
                        break;
                      }
                      invokeBatch.accept(invoked.get());
                      invoked.addAndGet(batch);
                    } catch (RuntimeException e) {
                      LOG.debug("invoke failed, tried again: {}", e.getMessage());
                    }
                    next += pauseNanos;
                    LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                  }
                });
  }

  /** Whether it stopped invoking because the backlog did not drain for two minutes. */
  public boolean gaveUp() {
    return gaveUp;
  }

  /** Whether everything was invoked (or it gave up). */
  public boolean done() {
    return !thread.isAlive();
  }

  /** Waits until everything is invoked. */
  public void await() throws InterruptedException {
    thread.join();
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.join();
  }
}
