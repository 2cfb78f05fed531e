package dev.pgconductor.internal.worker;

import dev.pgconductor.Task;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.OrchestratorStore;
import dev.pgconductor.internal.db.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers the executions of one batch task into batches, on a thread of its own beside its worker's
 * fetcher: claims up to the batch size from the task's own claim index, runs a full batch at once,
 * and holds a smaller one until its first execution has waited the task's {@code maxWait} (claiming
 * more meanwhile). Up to the worker's concurrency of batches run at once, each on a virtual thread;
 * their outcomes go to the worker's flusher. When a claim comes back short it lists itself as idle,
 * like the fetcher, so new work wakes it.
 */
final class BatchLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchLoop.class);

  /**
   * A claim also takes up to this many whole batches ahead, one for each free slot: with a backlog,
   * claims of 1,000 rows took about 20% less time per row than claims of 400.
   */
  private static final int AHEAD = 9;

  private final ExecutionStore executions;
  private final OrchestratorStore orchestrators;
  private final UUID orchestratorId;
  private final String queue;
  private final Task<?, ?> task;
  private final int size;
  private final long maxWaitNanos;
  private final long pollMillis;
  private final BatchRunner<?> runner;
  private final OutcomeFlusher flusher;
  private final ExecutorService handlers;
  private final Consumer<Outcome> notRun;
  private final boolean limited;
  private final WakeSignal signal = new WakeSignal();
  private final Semaphore slots;

  private final Object lock = new Object();
  private final List<Claimed> held = new ArrayList<>(); // claimed, gathering; guarded by lock
  private long firstHeldNanos; // when the oldest held execution was claimed; guarded by lock
  private final AtomicInteger inFlight = new AtomicInteger(); // held, and in running batches
  private volatile boolean starved = true; // the last claim came back short
  private volatile boolean fetching = true;

  BatchLoop(
      ExecutionStore executions,
      OrchestratorStore orchestrators,
      UUID orchestratorId,
      String queue,
      Task<?, ?> task,
      WorkerConfig config,
      BatchRunner<?> runner,
      OutcomeFlusher flusher,
      ExecutorService handlers,
      Consumer<Outcome> notRun) {
    TaskOptions.Batch batch = task.options().batch().orElseThrow();
    this.executions = executions;
    this.orchestrators = orchestrators;
    this.orchestratorId = orchestratorId;
    this.queue = queue;
    this.task = task;
    this.size = batch.size();
    this.maxWaitNanos = batch.maxWait().toNanos();
    this.pollMillis = config.pollInterval().toMillis();
    this.runner = runner;
    this.flusher = flusher;
    this.handlers = handlers;
    this.notRun = notRun;
    this.limited = task.options().concurrency().isPresent();
    this.slots = new Semaphore(config.concurrency());
  }

  String taskName() {
    return task.name();
  }

  /** New work may be ready (a notification arrived). */
  void wake() {
    signal.wake();
  }

  /** Executions claimed and not finished: gathering or in a running batch. */
  int inFlight() {
    return inFlight.get();
  }

  /**
   * The last claim came back short: the queue has no more of this task right now. While claims come
   * back full, a moment with nothing in flight is only the gap before the next claim's batches.
   */
  boolean starved() {
    return starved;
  }

  /**
   * The most executions one claim takes: the rest of a batch and up to {@link #AHEAD} whole batches
   * more. The worker's flusher waits for about this many outcomes before it writes, so that a
   * backlog is written in one commit per claim rather than one per batch.
   */
  static int largestClaim(int size, int concurrency) {
    return size * (1 + Math.min(concurrency, AHEAD));
  }

  /** Ids of the executions claimed and still gathering here. */
  Set<UUID> heldIds() {
    synchronized (lock) {
      Set<UUID> ids = new HashSet<>();
      held.forEach(c -> ids.add(c.id()));
      return ids;
    }
  }

  @Override
  public void run() {
    boolean slot = false; // a batch slot is ours for the batch being gathered
    boolean markedIdle = false;
    long errorDelayMs = 100;
    while (fetching) {
      try {
        if (!slot) {
          // briefly, so that a stop is noticed soon
          slot = slots.tryAcquire(Math.min(pollMillis, 100), TimeUnit.MILLISECONDS);
          continue;
        }
        int holdingBefore;
        synchronized (lock) {
          holdingBefore = held.size();
        }
        if (holdingBefore >= size) {
          dispatch(); // a full batch claimed ahead, now that a slot is free
          slot = false;
          continue;
        }
        // the rest of this batch, and whole batches ahead for the slots that are free now, so
        // that one round trip feeds several batches when there is a backlog
        int want = size - holdingBefore + size * Math.min(slots.availablePermits(), AHEAD);
        List<Claimed> claimed = executions.claimBatch(orchestratorId, queue, task.name(), want);
        errorDelayMs = 100;
        starved = claimed.size() < want;
        if (starved && inFlight.get() == 0) {
          flusher.nudge(); // the last batch ended while the claim was under way
        }
        long waitedNanos;
        int holding;
        synchronized (lock) {
          if (held.isEmpty() && !claimed.isEmpty()) {
            firstHeldNanos = System.nanoTime();
          }
          held.addAll(claimed);
          inFlight.addAndGet(claimed.size());
          holding = held.size();
          waitedNanos = System.nanoTime() - firstHeldNanos;
        }
        if (claimed.size() == want && markedIdle) {
          orchestrators.setIdle(orchestratorId, queue, false, task.name());
          markedIdle = false;
        }
        if (holding >= size || (holding > 0 && waitedNanos >= maxWaitNanos)) {
          dispatch(); // full, or held long enough
          slot = false;
          continue;
        }
        if (!markedIdle) {
          // listed as idle, claim once more before sleeping (as the fetcher does)
          orchestrators.setIdle(orchestratorId, queue, true, task.name());
          markedIdle = true;
          continue;
        }
        long waitMillis =
            holding == 0
                ? pollMillis
                : Math.max(
                    1,
                    Math.min(
                        pollMillis, TimeUnit.NANOSECONDS.toMillis(maxWaitNanos - waitedNanos)));
        signal.awaitWake(waitMillis, () -> !fetching);
      } catch (InterruptedException e) {
        fetching = false;
      } catch (Throwable e) {
        if (!fetching) {
          break;
        }
        LOG.warn(
            "Queue '{}': claiming a batch of task '{}' failed, retrying in {} ms: {}",
            queue,
            task.name(),
            errorDelayMs,
            e.toString());
        try {
          signal.awaitWake(errorDelayMs, () -> !fetching);
        } catch (InterruptedException interrupted) {
          fetching = false;
        }
        errorDelayMs = Math.min(errorDelayMs * 2, pollMillis * 10);
      }
    }
    if (slot) {
      slots.release();
    }
  }

  /**
   * Runs the first {@code size} executions held (or all, if fewer) as one batch, on a handler
   * thread; the batch's slot is freed at its end.
   */
  private void dispatch() {
    List<Claimed> batch;
    synchronized (lock) {
      List<Claimed> first = held.subList(0, Math.min(size, held.size()));
      batch = List.copyOf(first);
      first.clear();
      // executions left were claimed no earlier than those that go: the oldest time stays
    }
    try {
      handlers.execute(
          () -> {
            try {
              for (Outcome outcome : runner.run(task, batch)) {
                flusher.add(outcome, limited);
              }
            } catch (Throwable e) {
              LOG.error(
                  "Queue '{}': a batch of task '{}' could not run; its {} executions go back to"
                      + " the queue",
                  queue,
                  task.name(),
                  batch.size(),
                  e);
              batch.forEach(
                  c -> flusher.add(new Outcome.Released(c, c.stepsJson() != null), limited));
            } finally {
              ended(batch.size());
            }
          });
    } catch (RejectedExecutionException e) {
      // the stop's grace period ran out before it started: back to the queue
      unstarted(batch);
      ended(batch.size());
    }
  }

  private void ended(int executions) {
    slots.release();
    if (inFlight.addAndGet(-executions) == 0) {
      flusher.nudge();
    }
    signal.changed();
  }

  /** Ends the loop at its next check (wake the signal so a sleeping loop sees it). */
  void stop() {
    fetching = false;
    signal.wake();
  }

  /** After the loop ended: what was gathering goes back to the queue, as if never claimed. */
  void releaseHeld() {
    List<Claimed> batch;
    synchronized (lock) {
      batch = List.copyOf(held);
      held.clear();
    }
    unstarted(batch);
    if (inFlight.addAndGet(-batch.size()) == 0) {
      flusher.nudge();
    }
    signal.changed();
  }

  private void unstarted(List<Claimed> batch) {
    for (Claimed c : batch) {
      Outcome outcome = new Outcome.Unstarted(c);
      notRun.accept(outcome);
      flusher.add(outcome, limited);
    }
  }

  /** Waits until no batch runs or the deadline ({@link System#nanoTime()}) passes. */
  boolean awaitIdle(long deadlineNanos) {
    return signal.awaitUntil(() -> inFlight.get() == 0, deadlineNanos);
  }
}
