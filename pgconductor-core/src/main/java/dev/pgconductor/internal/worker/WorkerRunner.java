package dev.pgconductor.internal.worker;

import dev.pgconductor.Task;
import dev.pgconductor.TaskSignal;
import dev.pgconductor.Worker;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.internal.ConductorCore;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.internal.listen.Listeners;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Worker}: a fetcher thread claims batches ahead of the handlers (up to {@code
 * concurrency} plus two claims' worth of executions held at once; a claim is {@code fetchBatchSize}
 * executions, more while quick handlers run out of work, see {@link ClaimSizer}), handlers run on
 * virtual threads with at most {@code concurrency} at a time, and an {@link OutcomeFlusher} writes
 * the outcomes back in batches. An idle fetcher sleeps until a notification or the poll interval.
 */
final class WorkerRunner<C> {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerRunner.class);
  // a fetcher starts this few handlers itself: handing them to another thread costs about as much
  private static final int START_INLINE_BELOW = 8;

  private final ConductorCore<C> core;
  private final String threadPrefix; // "pgconductor-<orchestrator>-"
  private final UUID orchestratorId;
  private final String queue;
  private final WorkerConfig config;
  private final Map<String, Task<?, ?>> tasks;
  private final String[] taskNames;
  private final ExecutionRunner<C> runner;
  private final OutcomeFlusher flusher;
  private final Object dispatchLock = new Object();
  private final ArrayDeque<Claimed> ready = new ArrayDeque<>(); // claimed, not started; claim order
  private int started; // handlers started and not finished; guarded by dispatchLock
  private final ClaimSizer claimSizer; // fetcher thread only
  // the next claim's size and the most executions held (concurrency + two claims); read by
  // handler threads to wake a fetcher waiting for room
  private volatile int claimSize;
  private volatile int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong finished = new AtomicLong(); // handler runs ended
  // the last claim came back short: the queue has nothing more for this worker right now
  private volatile boolean starved = true;
  private final RunningExecutions running = new RunningExecutions();
  private final ExecutorService handlers;

  private final Object signal = new Object();
  private boolean woken;
  private boolean waitingForCapacity;
  private volatile boolean fetching = true;
  private volatile boolean stopping;
  private Thread fetcherThread;
  private Thread flusherThread;

  WorkerRunner(
      ConductorCore<C> core,
      UUID orchestratorId,
      Worker worker,
      StepWriter stepWriter,
      Listeners listeners,
      String threadPrefix) {
    this.threadPrefix = threadPrefix;
    this.core = core;
    this.orchestratorId = orchestratorId;
    this.queue = worker.queue();
    this.config = worker.config();
    this.tasks =
        worker.tasks().stream()
            .collect(Collectors.toUnmodifiableMap(Task::name, Function.identity()));
    this.taskNames = tasks.keySet().toArray(String[]::new);
    this.runner =
        new ExecutionRunner<>(core, queue, orchestratorId, stepWriter, running, listeners);
    // up to two claims ahead, so the next claim overlaps the handlers
    this.claimSizer = new ClaimSizer(config.fetchBatchSize());
    this.claimSize = claimSizer.size();
    this.maxInFlight = config.concurrency() + 2 * claimSize;
    this.flusher =
        new OutcomeFlusher(
            core.executions(),
            orchestratorId,
            queue,
            // a flush is a durable commit; larger batches mean fewer of them (an idle worker and
            // flushInterval still write sooner)
            Math.max(100, config.concurrency() + config.fetchBatchSize()),
            config.flushInterval(),
            // idle: nothing claimed is left and the queue had no more. While claims come back
            // full, a moment with nothing in flight is only the gap before the next batch.
            () -> inFlight.get() == 0 && starved,
            this::wake);
    this.handlers =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name(threadPrefix + "handler-" + queue + "-", 0).factory());
  }

  public String queue() {
    return queue;
  }

  public List<String> taskNames() {
    return List.of(taskNames);
  }

  public void start() {
    flusherThread =
        Thread.ofPlatform().name(threadPrefix + "flusher-" + queue).daemon().start(flusher);
    fetcherThread =
        Thread.ofPlatform().name(threadPrefix + "fetcher-" + queue).daemon().start(this::fetchLoop);
    LOG.info("Worker for queue '{}' started: tasks {}, {}", queue, tasks.keySet(), config);
  }

  /** New work may be ready (a notification arrived). */
  public void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  /**
   * Aborts the run of this execution if it runs in this worker (a cancellation). A cancelled
   * execution that was claimed but has not started yet is taken out of the buffer and ends
   * cancelled without running its handler.
   */
  void abort(UUID executionId, TaskSignal.Reason reason) {
    if (reason == TaskSignal.Reason.CANCELLED) {
      Claimed unstarted = null;
      synchronized (dispatchLock) {
        for (var it = ready.iterator(); it.hasNext(); ) {
          Claimed c = it.next();
          if (c.id().equals(executionId)) {
            it.remove();
            unstarted = c;
            break;
          }
        }
      }
      if (unstarted != null) {
        flusher.add(
            new Outcome.Cancelled(unstarted, unstarted.stepsJson() != null), isLimited(unstarted));
        int now = inFlight.decrementAndGet();
        if (now == 0) {
          flusher.nudge();
        }
        afterCompletion(now);
        return;
      }
    }
    running.abort(executionId, reason);
  }

  /** Ids of the executions whose handlers run in this worker now. */
  Set<UUID> runningIds() {
    return running.ids();
  }

  /** Nothing claimed is waiting to run or running, and no outcome waits to be written. */
  public boolean isIdle() {
    return inFlight.get() == 0 && flusher.isEmpty();
  }

  /*
   * Stopping, in phases so that an orchestrator stops all its workers at once against one
   * deadline: beginStop (no more fetching; unstarted executions released; running handlers
   * signalled to end at their next step or checkpoint), awaitHandlers, interruptHandlers for the
   * stragglers, finishStop (all outcomes written).
   */

  /** Stops fetching, releases what has not started, and signals running handlers. */
  void beginStop() {
    fetching = false;
    wake();
    join(fetcherThread);
    stopping = true;
    releaseUnstarted();
    // no interrupt yet: a step in progress may finish and be recorded, so no step runs twice
    running.signalAll(TaskSignal.Reason.SHUTDOWN);
  }

  /** Waits until no handler runs or the deadline ({@link System#nanoTime()}) passes. */
  boolean awaitHandlers(long deadlineNanos) {
    while (inFlight.get() > 0 && System.nanoTime() < deadlineNanos) {
      awaitInFlightChange(deadlineNanos);
    }
    return inFlight.get() == 0;
  }

  /** Interrupts handlers still running after the grace period. */
  void interruptHandlers() {
    if (inFlight.get() > 0) {
      LOG.warn(
          "Queue '{}': {} handlers still running after the shutdown grace period; interrupting"
              + " them (their executions are released and resume elsewhere)",
          queue,
          inFlight.get());
      for (UUID id : running.ids()) {
        running.abort(id, TaskSignal.Reason.SHUTDOWN);
      }
    }
  }

  /** Writes every outcome back; handlers still running now are abandoned to the deregistration. */
  void finishStop() {
    handlers.shutdown();
    flusher.close();
    join(flusherThread);
  }

  private void fetchLoop() {
    long errorDelayMs = 100;
    boolean markedIdle = false; // listed in pgconductor.idle_workers, so invokes notify us
    long finishedAtLastClaim = 0;
    while (fetching) {
      try {
        int limit = claimSize;
        if (maxInFlight - inFlight.get() < limit) {
          awaitCapacity();
          continue;
        }
        List<Claimed> claimed = core.executions().claim(orchestratorId, queue, taskNames, limit);
        boolean handlersWaited;
        List<Claimed> startNow = List.of();
        synchronized (dispatchLock) {
          handlersWaited = ready.isEmpty() && started < config.concurrency();
          if (!claimed.isEmpty()) {
            inFlight.addAndGet(claimed.size());
            ready.addAll(claimed);
            startNow = takeStartable();
          }
        }
        if (startNow.size() < START_INLINE_BELOW) {
          startHandlers(startNow);
        } else {
          // starting a claim's worth of handlers takes 0.5-1 ms; a virtual thread does it, so the
          // next claim goes out at once (the claim's backend is what limits a fast drain)
          List<Claimed> batch = startNow;
          handlers.execute(() -> startHandlers(batch));
        }
        long finishedNow = finished.get();
        claimSizer.claimed(
            limit, claimed.size(), handlersWaited, finishedNow - finishedAtLastClaim);
        finishedAtLastClaim = finishedNow;
        claimSize = claimSizer.size();
        maxInFlight = config.concurrency() + 2 * claimSize;
        errorDelayMs = 100;
        boolean exhausted = claimed.size() < limit;
        if (exhausted != starved) {
          starved = exhausted;
          if (exhausted && inFlight.get() == 0) {
            flusher.nudge(); // the last handler finished while the claim was under way
          }
        }
        if (exhausted) {
          if (!markedIdle) {
            // list ourselves as idle, then claim once more before sleeping: work invoked before
            // the mark is found by that claim, work invoked after it sends a notification
            core.orchestrators().setIdle(orchestratorId, queue, true);
            markedIdle = true;
            continue;
          }
          awaitWake(config.pollInterval().toMillis());
        } else if (markedIdle) {
          core.orchestrators().setIdle(orchestratorId, queue, false);
          markedIdle = false;
        }
      } catch (Throwable e) {
        if (!fetching) {
          break;
        }
        LOG.warn(
            "Queue '{}': claiming failed, retrying in {} ms: {}",
            queue,
            errorDelayMs,
            e.toString());
        awaitWake(errorDelayMs);
        errorDelayMs = Math.min(errorDelayMs * 2, config.pollInterval().toMillis() * 10);
      }
    }
  }

  /**
   * Takes claimed executions off the buffer, one per free handler slot, and counts them started.
   * Holds dispatchLock; the handlers are started with {@link #startHandlers} after it is released,
   * so finishing handlers do not wait on the lock while hundreds are started.
   */
  private List<Claimed> takeStartable() {
    int n = stopping ? 0 : Math.min(config.concurrency() - started, ready.size());
    if (n <= 0) {
      return List.of();
    }
    List<Claimed> taken = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      taken.add(ready.poll());
    }
    started += n;
    return taken;
  }

  private void startHandlers(List<Claimed> executions) {
    for (Claimed c : executions) {
      try {
        handlers.execute(() -> runOne(c));
      } catch (RejectedExecutionException e) {
        // the stop's grace period ran out before this one started: it goes back to the queue
        // (or, once the flusher has closed, is released by the deregistration)
        flusher.add(new Outcome.Unstarted(c), isLimited(c));
        synchronized (dispatchLock) {
          started--;
        }
        afterCompletion(inFlight.decrementAndGet());
      }
    }
  }

  /** At stop: executions claimed but not started go back to the queue. */
  private void releaseUnstarted() {
    List<Claimed> unstarted;
    synchronized (dispatchLock) {
      unstarted = new ArrayList<>(ready);
      ready.clear();
    }
    for (Claimed c : unstarted) {
      flusher.add(new Outcome.Unstarted(c), isLimited(c));
    }
    afterCompletion(inFlight.addAndGet(-unstarted.size()));
  }

  private void runOne(Claimed claimed) {
    Outcome outcome = null;
    try {
      outcome =
          stopping
              ? new Outcome.Unstarted(claimed) // dispatched just as the stop began
              : runner.run(tasks.get(claimed.taskName()), claimed);
    } finally {
      flusher.add(
          outcome == null ? new Outcome.Released(claimed, claimed.stepsJson() != null) : outcome,
          isLimited(claimed));
      finished.incrementAndGet();
      List<Claimed> next;
      synchronized (dispatchLock) {
        started--;
        next = takeStartable();
      }
      startHandlers(next);
      int now = inFlight.decrementAndGet();
      if (now == 0) {
        flusher.nudge();
      }
      afterCompletion(now);
    }
  }

  private boolean isLimited(Claimed claimed) {
    return tasks.get(claimed.taskName()).options().concurrency().isPresent();
  }

  private void afterCompletion(int nowInFlight) {
    synchronized (signal) {
      if ((waitingForCapacity && maxInFlight - nowInFlight >= claimSize) || stopping) {
        signal.notifyAll();
      }
    }
  }

  private void awaitCapacity() {
    synchronized (signal) {
      waitingForCapacity = true;
      try {
        while (fetching && maxInFlight - inFlight.get() < claimSize) {
          signal.wait(config.pollInterval().toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fetching = false;
      } finally {
        waitingForCapacity = false;
      }
    }
  }

  private void awaitWake(long millis) {
    synchronized (signal) {
      long deadline = System.currentTimeMillis() + millis;
      try {
        while (!woken && fetching) {
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) {
            break;
          }
          signal.wait(left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fetching = false;
      }
      woken = false;
    }
  }

  private void awaitInFlightChange(long deadlineNanos) {
    synchronized (signal) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (inFlight.get() > 0 && left > 0) {
        try {
          signal.wait(Math.min(left, 100));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private static void join(Thread thread) {
    if (thread == null) {
      return;
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
