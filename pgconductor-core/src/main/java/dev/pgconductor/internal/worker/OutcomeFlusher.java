package dev.pgconductor.internal.worker;

import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.ExecutionStore.Flushed;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.internal.db.SqlErrors;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers outcomes of one worker and writes them back with one call per batch: when the batch is
 * full, when the oldest outcome has waited {@code flushInterval}, or as soon as the worker is idle
 * (so a quiet worker reports at once). Outcomes of tasks with a concurrency limit are written
 * within {@value #LIMITED_DELAY_MS} ms: their slot stays taken until they are, and after they are
 * the worker is told so it can claim into the freed slots (the short delay lets the outcomes of a
 * busy worker share that write rather than take a commit each). On a database error the batch is
 * kept and retried; the leases make a late write harmless. After a write that made work ready
 * (children, woken parents, released executions) where no worker was listed idle, it looks again
 * once the write has committed, so a worker that fell asleep meanwhile is woken.
 */
final class OutcomeFlusher implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(OutcomeFlusher.class);
  static final long LIMITED_DELAY_MS = 5;

  private final ExecutionStore store;
  private final UUID orchestrator;
  private final String queue;
  private final int batchSize;
  private final long intervalNanos;
  private final BooleanSupplier idle;
  private final Runnable slotsFreed;
  private final java.util.function.Consumer<java.time.Instant> dueLater;

  private final Object lock = new Object();
  private List<Outcome> pending = new ArrayList<>();
  private volatile List<Outcome> writing = List.of(); // the batch being written, if any
  private int pendingLimited; // outcomes in pending of tasks with a concurrency limit
  private long limitedDueAt; // when the first of them must be written
  private long oldestAt;
  private boolean closing;
  private boolean closed;

  OutcomeFlusher(
      ExecutionStore store,
      UUID orchestrator,
      String queue,
      int batchSize,
      Duration interval,
      BooleanSupplier idle,
      Runnable slotsFreed,
      java.util.function.Consumer<java.time.Instant> dueLater) {
    this.dueLater = dueLater;
    this.store = store;
    this.orchestrator = orchestrator;
    this.queue = queue;
    this.batchSize = batchSize;
    this.intervalNanos = interval.toNanos();
    this.idle = idle;
    this.slotsFreed = slotsFreed;
  }

  /** Queues an outcome; {@code limited}: its task has a concurrency limit, so write it soon. */
  void add(Outcome outcome, boolean limited) {
    synchronized (lock) {
      if (pending.isEmpty()) {
        oldestAt = System.nanoTime();
      }
      pending.add(outcome);
      if (limited && pendingLimited++ == 0) {
        limitedDueAt = System.nanoTime() + Math.min(LIMITED_DELAY_MS * 1_000_000, intervalNanos);
      }
      if (limited || pending.size() >= batchSize || idle.getAsBoolean()) {
        lock.notifyAll();
      }
    }
  }

  /** Wakes the flusher to re-check (the worker may have become idle). */
  void nudge() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Ids of the executions whose outcomes wait here or are being written. */
  java.util.Set<UUID> heldIds() {
    java.util.Set<UUID> ids = new java.util.HashSet<>();
    for (Outcome o : writing) {
      ids.add(o.id());
    }
    synchronized (lock) {
      for (Outcome o : pending) {
        ids.add(o.id());
      }
    }
    return ids;
  }

  boolean isEmpty() {
    synchronized (lock) {
      return pending.isEmpty();
    }
  }

  /** Flushes what is left, then stops the loop. Blocks until done. */
  void close() {
    synchronized (lock) {
      closing = true;
      lock.notifyAll();
      while (!closed) {
        try {
          lock.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void run() {
    long retryDelayMs = 100;
    while (true) {
      List<Outcome> batch;
      boolean last;
      int limited;
      synchronized (lock) {
        while (!closing && !due()) {
          long now = System.nanoTime();
          long waitNanos = pending.isEmpty() ? intervalNanos : oldestAt + intervalNanos - now;
          if (pendingLimited > 0) {
            waitNanos = Math.min(waitNanos, limitedDueAt - now);
          }
          try {
            lock.wait(Math.max(1, waitNanos / 1_000_000), 0);
          } catch (InterruptedException e) {
            closing = true;
          }
        }
        last = closing;
        batch = pending;
        limited = pendingLimited;
        pending = new ArrayList<>();
        writing = batch;
        pendingLimited = 0;
      }
      if (!batch.isEmpty()) {
        try {
          write(batch);
          writing = List.of();
          retryDelayMs = 100;
          if (limited > 0) {
            slotsFreed.run();
          }
        } catch (SQLException | RuntimeException e) {
          LOG.warn(
              "Could not write {} outcomes of queue '{}', retrying: {}",
              batch.size(),
              queue,
              e.getMessage());
          requeue(batch, limited);
          writing = List.of(); // back in pending
          if (!last) {
            pause(retryDelayMs);
            retryDelayMs = Math.min(retryDelayMs * 2, 5000);
            continue;
          }
          // closing: try a few more times, then give up; the deregistration releases the rows
          if (!retryOnClose()) {
            break;
          }
          continue;
        }
      }
      if (last) {
        synchronized (lock) {
          if (pending.isEmpty()) {
            break;
          }
        }
      }
    }
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
  }

  private int closeRetries;

  private boolean retryOnClose() {
    if (++closeRetries > 3) {
      LOG.error(
          "Giving up on {} outcomes of queue '{}'; they will run again", pending.size(), queue);
      return false;
    }
    pause(200L * closeRetries);
    return true;
  }

  private boolean due() {
    if (pending.isEmpty()) {
      return false;
    }
    return pending.size() >= batchSize
        || (pendingLimited > 0 && System.nanoTime() >= limitedDueAt)
        || System.nanoTime() - oldestAt >= intervalNanos
        || idle.getAsBoolean();
  }

  private void write(List<Outcome> batch) throws SQLException {
    Set<String> unnotified = new HashSet<>();
    for (int from = 0; from < batch.size(); from += 1000) {
      List<Outcome> chunk = batch.subList(from, Math.min(batch.size(), from + 1000));
      int written;
      try {
        Flushed flushed = store.flush(orchestrator, queue, chunk);
        written = flushed.written();
        flushed.dueLater().forEach(dueLater);
        unnotified.addAll(flushed.unnotifiedQueues());
      } catch (SQLException e) {
        if (!SqlErrors.isDataError(e)) {
          throw e;
        }
        written =
            writeOneByOne(chunk, e, unnotified); // one bad outcome must not hold back the others
      }
      if (written < chunk.size()) {
        LOG.warn(
            "{} of {} outcomes on queue '{}' were not written: their lease was lost (the"
                + " executions were given to another worker after this orchestrator was declared"
                + " dead)",
            chunk.size() - written,
            chunk.size(),
            queue);
      }
    }
    if (!unnotified.isEmpty()) {
      notifyReady(unnotified);
    }
  }

  /**
   * The flush made work ready in these queues and found no worker there listed idle; now that it
   * has committed, look again. A worker may have listed itself in between, after a claim that could
   * not see the uncommitted work yet, and would otherwise sleep until its poll interval. Best
   * effort: the outcomes are written, and a missed wake-up costs at most that interval.
   */
  private void notifyReady(Set<String> queues) {
    try {
      store.notifyReady(queues);
    } catch (SQLException | RuntimeException e) {
      LOG.debug("Could not notify queues {} of ready work: {}", queues, e.getMessage());
    }
  }

  private int writeOneByOne(List<Outcome> chunk, SQLException cause, Set<String> unnotified)
      throws SQLException {
    LOG.warn(
        "Outcomes of queue '{}' rejected as data ({}); writing them one by one",
        queue,
        cause.getMessage());
    int written = 0;
    for (Outcome outcome : chunk) {
      try {
        Flushed flushed = store.flush(orchestrator, queue, List.of(outcome));
        written += flushed.written();
        unnotified.addAll(flushed.unnotifiedQueues());
      } catch (SQLException e) {
        if (!SqlErrors.isDataError(e)) {
          throw e;
        }
        // data the database refuses (class 22, 54) is refused again on every attempt: the
        // execution fails for good; a raced unique key (23505) may pass next time
        boolean permanent =
            e.getSQLState() != null
                && (e.getSQLState().startsWith("22") || e.getSQLState().startsWith("54"));
        LOG.error(
            "Outcome of execution {} cannot be stored ({}); failing {}",
            outcome.id(),
            e.getMessage(),
            permanent ? "the execution" : "the attempt");
        int maxAttempts =
            permanent ? 0 : outcome instanceof Outcome.Failed f ? Math.max(f.maxAttempts(), 1) : 1;
        Outcome failed =
            new Outcome.Failed(
                outcome.claimed(),
                outcome.hasSteps(),
                "the outcome of this attempt could not be stored: " + e.getMessage(),
                null,
                maxAttempts);
        Flushed flushed = store.flush(orchestrator, queue, List.of(failed));
        written += flushed.written();
        unnotified.addAll(flushed.unnotifiedQueues());
      }
    }
    return written;
  }

  private void requeue(List<Outcome> batch, int limited) {
    synchronized (lock) {
      batch.addAll(pending);
      pending = batch;
      if (pendingLimited == 0 && limited > 0) {
        limitedDueAt = System.nanoTime();
      }
      pendingLimited += limited;
      oldestAt = System.nanoTime();
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
