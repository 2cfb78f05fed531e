package dev.pgconductor.internal.worker;

import dev.pgconductor.WorkerConfig;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.OrchestratorStore;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's fetcher thread: claims batches of ready executions ahead of the handlers and hands
 * them to the {@link Dispatcher}. It keeps up to {@code concurrency} plus two claims' worth of
 * executions in flight, so the next claim overlaps the handlers; a claim is sized by the {@link
 * ClaimSizer}. When a claim comes back short the queue is empty: it lists the worker as idle (so
 * work made ready notifies it), claims once more, then sleeps until woken or the poll interval. Any
 * error is logged and retried with a growing pause; the loop only ends at {@link #stop()}.
 */
final class FetchLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(FetchLoop.class);

  private final ExecutionStore executions;
  private final OrchestratorStore orchestrators;
  private final UUID orchestratorId;
  private final String queue;
  private final String[] taskNames;
  private final WorkerConfig config;
  private final Dispatcher dispatcher;
  private final WakeSignal signal;
  private final Runnable queueRanDry;
  private final ClaimSizer sizer;

  // read by handler threads (room) and the flusher (starved)
  private volatile int claimSize;
  private volatile int maxInFlight;
  private volatile boolean starved = true; // the last claim came back short
  private final DueTimes due;
  private final java.util.function.Supplier<Instant> now;
  private volatile boolean fetching = true;

  FetchLoop(
      ExecutionStore executions,
      OrchestratorStore orchestrators,
      UUID orchestratorId,
      String queue,
      List<String> taskNames,
      WorkerConfig config,
      Dispatcher dispatcher,
      WakeSignal signal,
      Runnable queueRanDry,
      DueTimes due,
      java.util.function.Supplier<Instant> now) {
    this.due = due;
    this.now = now;
    this.executions = executions;
    this.orchestrators = orchestrators;
    this.orchestratorId = orchestratorId;
    this.queue = queue;
    this.taskNames = taskNames.toArray(String[]::new);
    this.config = config;
    this.dispatcher = dispatcher;
    this.signal = signal;
    this.queueRanDry = queueRanDry;
    this.sizer = new ClaimSizer(config.fetchBatchSize());
    this.claimSize = sizer.size();
    this.maxInFlight = config.concurrency() + 2 * claimSize;
  }

  /** Whether {@code inFlight} executions leave room for the next claim. */
  boolean hasRoom(int inFlight) {
    return maxInFlight - inFlight >= claimSize;
  }

  /**
   * How long a claimed execution may wait for a handler slot before what grown claims took beyond
   * the configured fetch-ahead goes back to the queue.
   */
  static final long HAND_BACK_AFTER_MS = 1000;

  /**
   * Grown claims took more than the handlers now get through (they turned slow): what waits beyond
   * {@code 2 × fetchBatchSize}, the fetch-ahead of claims that never grew, goes back to the queue,
   * and claims start again at {@code fetchBatchSize}.
   */
  private void handBackStale() {
    int back =
        dispatcher.handBackStale(
            2 * config.fetchBatchSize(), TimeUnit.MILLISECONDS.toNanos(HAND_BACK_AFTER_MS));
    if (back > 0) {
      sizer.reset();
      claimSize = sizer.size();
      maxInFlight = config.concurrency() + 2 * claimSize;
      LOG.debug(
          "Queue '{}': handed {} claimed executions back; they waited over {} ms for a handler",
          queue,
          back,
          HAND_BACK_AFTER_MS);
    }
  }

  /** The last claim came back short: the queue has nothing more for this worker right now. */
  boolean starved() {
    return starved;
  }

  /** Ends the loop at its next check (wake the signal so a sleeping fetcher sees it). */
  void stop() {
    fetching = false;
    signal.wake();
  }

  @Override
  public void run() {
    long errorDelayMs = 100;
    boolean markedIdle = false; // listed in pgconductor.idle_workers, so work made ready notifies
    long finishedAtLastClaim = 0;
    while (fetching) {
      try {
        int limit = claimSize;
        if (!hasRoom(dispatcher.inFlight())) {
          handBackStale();
          signal.awaitRoom(
              () -> hasRoom(dispatcher.inFlight()),
              () -> !fetching,
              Math.min(config.pollInterval().toMillis(), HAND_BACK_AFTER_MS));
          continue;
        }
        Instant claimStarted = now.get();
        List<Claimed> claimed = executions.claim(orchestratorId, queue, taskNames, limit);
        boolean handlersWaited = dispatcher.accept(claimed);
        long finishedNow = dispatcher.finished();
        sizer.claimed(limit, claimed.size(), handlersWaited, finishedNow - finishedAtLastClaim);
        finishedAtLastClaim = finishedNow;
        claimSize = sizer.size();
        maxInFlight = config.concurrency() + 2 * claimSize;
        errorDelayMs = 100;
        boolean exhausted = claimed.size() < limit;
        if (exhausted != starved) {
          starved = exhausted;
          if (exhausted && dispatcher.inFlight() == 0) {
            queueRanDry.run(); // the last handler finished while the claim was under way
          }
        }
        if (exhausted) {
          if (!markedIdle) {
            // listed as idle, claim once more before sleeping: work made ready before the mark is
            // found by that claim, work made ready after it sends a notification
            orchestrators.setIdle(orchestratorId, queue, true);
            markedIdle = true;
            continue;
          }
          long poll = config.pollInterval().toMillis();
          signal.awaitWake(
              Math.min(poll, due.millisUntilNext(now.get(), claimStarted)), () -> !fetching);
        } else if (markedIdle) {
          orchestrators.setIdle(orchestratorId, queue, false);
          markedIdle = false;
        }
      } catch (InterruptedException e) {
        fetching = false;
      } catch (Throwable e) {
        if (!fetching) {
          break;
        }
        LOG.warn(
            "Queue '{}': claiming failed, retrying in {} ms: {}",
            queue,
            errorDelayMs,
            e.toString());
        try {
          signal.awaitWake(errorDelayMs, () -> !fetching);
        } catch (InterruptedException interrupted) {
          fetching = false;
        }
        errorDelayMs = Math.min(errorDelayMs * 2, config.pollInterval().toMillis() * 10);
      }
    }
  }
}
