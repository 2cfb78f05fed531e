package dev.pgconductor.internal.worker;

import dev.pgconductor.Task;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.Outcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs a worker's claimed executions: keeps them in claim order until a handler slot is free (at
 * most {@code concurrency} handlers running their code at once), starts each handler on a virtual
 * thread, and hands every outcome to the flusher. A handler that waits for its step to be committed
 * lends its slot meanwhile ({@link HandlerSlot}), and takes one again, before any execution not
 * started yet, when the commit is back. Counts the executions in flight, claimed and not yet
 * finished, which is what the fetcher claims against. A run of a task with a timeout is ended by
 * its timer if the handler has not ended it first; whichever comes first writes the outcome and
 * frees the slot.
 */
final class Dispatcher {
  // a fetcher starts this few handlers itself: handing them to another thread costs about as much
  private static final int START_INLINE_BELOW = 8;

  private final int concurrency;
  private final Map<String, Task<?, ?>> tasks;
  private final Runner runner;
  private final ScheduledExecutorService timers;
  private final Consumer<Outcome> notRun;
  private final OutcomeFlusher flusher;
  private final ExecutorService handlers;
  private final WakeSignal signal;
  private final RoomCheck room;

  private final Object lock = new Object();
  private final ArrayDeque<Claimed> ready = new ArrayDeque<>(); // claimed, not started; guarded
  private int started; // slots held: handlers started, not finished, not lending; guarded by lock
  // runs whose step was committed, waiting to take a slot again, in order; guarded by lock
  private final ArrayDeque<RunSlot> reclaiming = new ArrayDeque<>();
  private volatile boolean stopping;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong finished = new AtomicLong(); // handler runs ended

  /** Runs handlers, and ends runs that outlived their timeout (see {@link ExecutionRunner}). */
  interface Runner {
    /**
     * Runs the handler; null when {@code end} says the run was already ended by its timeout. The
     * handler lends {@code slot} while it waits for a step to be committed.
     */
    Outcome run(Claimed claimed, BooleanSupplier end, HandlerSlot slot);

    /** The outcome of a run that outlived its timeout; the handler is told and interrupted. */
    Outcome timedOut(Claimed claimed);
  }

  /** Whether {@code inFlight} executions leave the fetcher room for its next claim. */
  @FunctionalInterface
  interface RoomCheck {
    boolean enough(int inFlight);
  }

  Dispatcher(
      int concurrency,
      Map<String, Task<?, ?>> tasks,
      Runner runner,
      Consumer<Outcome> notRun,
      OutcomeFlusher flusher,
      ExecutorService handlers,
      ScheduledExecutorService timers,
      WakeSignal signal,
      RoomCheck room) {
    this.concurrency = concurrency;
    this.tasks = tasks;
    this.runner = runner;
    this.notRun = notRun;
    this.flusher = flusher;
    this.handlers = handlers;
    this.timers = timers;
    this.signal = signal;
    this.room = room;
  }

  /** Executions claimed and not finished (waiting for a slot or running). */
  int inFlight() {
    return inFlight.get();
  }

  /** Ids of the executions claimed and waiting here for a slot. */
  java.util.Set<UUID> bufferedIds() {
    synchronized (lock) {
      java.util.Set<UUID> ids = new java.util.HashSet<>();
      for (Claimed c : ready) {
        ids.add(c.id());
      }
      return ids;
    }
  }

  /** Handler runs ended so far. */
  long finished() {
    return finished.get();
  }

  /**
   * Takes a claim's executions and starts as many as there are free slots. Returns whether the
   * handlers were waiting for work when the claim arrived (nothing claimed was left and a slot was
   * free), which tells the fetcher its claims are too small.
   */
  boolean accept(List<Claimed> claimed) {
    boolean handlersWaited;
    boolean late;
    List<Claimed> startNow = List.of();
    synchronized (lock) {
      handlersWaited = ready.isEmpty() && started < concurrency;
      late = stopping;
      if (!claimed.isEmpty()) {
        inFlight.addAndGet(claimed.size());
        if (!late) {
          ready.addAll(claimed);
          startNow = takeStartable();
        }
      }
    }
    if (late) {
      // a claim that came back after the stop began (a slow database): straight back
      for (Claimed c : claimed) {
        endUnrun(new Outcome.Unstarted(c));
      }
      ended(inFlight.addAndGet(-claimed.size()));
      return handlersWaited;
    }
    if (startNow.size() < START_INLINE_BELOW) {
      start(startNow);
    } else {
      // starting a claim's worth of handlers takes 0.5-1 ms; a virtual thread does it, so the
      // next claim goes out at once
      List<Claimed> batch = startNow;
      try {
        handlers.execute(() -> start(batch));
      } catch (RejectedExecutionException e) {
        start(batch); // the stop's grace period ran out: each is handed back there
      }
    }
    return handlersWaited;
  }

  /**
   * A cancelled execution that was claimed but has not started is taken out of the buffer and ends
   * cancelled without running. Returns false when it is not waiting here.
   */
  boolean cancelUnstarted(UUID executionId) {
    Claimed unstarted = null;
    synchronized (lock) {
      for (var it = ready.iterator(); it.hasNext(); ) {
        Claimed c = it.next();
        if (c.id().equals(executionId)) {
          it.remove();
          unstarted = c;
          break;
        }
      }
    }
    if (unstarted == null) {
      return false;
    }
    endUnrun(new Outcome.Cancelled(unstarted, unstarted.stepsJson() != null));
    ended(inFlight.decrementAndGet());
    return true;
  }

  /** At stop: nothing more starts, and what has not started goes back to the queue. */
  void stop() {
    List<Claimed> unstarted;
    synchronized (lock) {
      stopping = true;
      unstarted = new ArrayList<>(ready);
      ready.clear();
    }
    for (Claimed c : unstarted) {
      endUnrun(new Outcome.Unstarted(c));
    }
    ended(inFlight.addAndGet(-unstarted.size()));
  }

  /**
   * Hands claimed executions back to the queue once the handlers no longer keep up with them: when
   * the oldest one waiting for a slot has waited {@code staleNanos}, every one waiting past the
   * first {@code keep} goes back as if never claimed (the newest first claimed go), so that other
   * workers can take them. Claims grow only while handlers are quick; this bounds what a worker
   * keeps to itself when they turn slow. Returns how many went back.
   */
  int handBackStale(int keep, long staleNanos) {
    List<Claimed> back;
    synchronized (lock) {
      Claimed oldest = ready.peekFirst();
      if (stopping
          || oldest == null
          || ready.size() <= keep
          || System.nanoTime() - oldest.receivedNanos() < staleNanos) {
        return 0;
      }
      back = new ArrayList<>(ready.size() - keep);
      while (ready.size() > keep) {
        back.add(ready.pollLast());
      }
    }
    for (Claimed c : back) {
      // no run started or ended, so the listeners hear nothing; written soon, since other
      // workers may be waiting for them
      flusher.add(new Outcome.Unstarted(c), true);
    }
    ended(inFlight.addAndGet(-back.size()));
    return back.size();
  }

  /** Waits until no execution is in flight, or the deadline ({@link System#nanoTime()}) passes. */
  boolean awaitIdle(long deadlineNanos) {
    return signal.awaitUntil(() -> inFlight.get() == 0, deadlineNanos);
  }

  /**
   * Gives free slots to the runs waiting to take theirs back, then takes claimed executions off the
   * buffer, one per slot still free, and counts them started.
   */
  private List<Claimed> takeStartable() {
    while (started < concurrency && !reclaiming.isEmpty()) {
      RunSlot waiting = reclaiming.poll();
      waiting.state = SlotState.HOLDING;
      started++;
      waiting.woken.release();
    }
    int n = stopping ? 0 : Math.min(concurrency - started, ready.size());
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

  private void start(List<Claimed> executions) {
    for (Claimed c : executions) {
      try {
        handlers.execute(() -> runOne(c));
      } catch (RejectedExecutionException e) {
        // the stop's grace period ran out before this one started: it goes back to the queue
        // (or, once the flusher has closed, is released by the deregistration)
        endUnrun(new Outcome.Unstarted(c));
        synchronized (lock) {
          started--;
        }
        ended(inFlight.decrementAndGet());
      }
    }
  }

  private void runOne(Claimed claimed) {
    AtomicBoolean over = new AtomicBoolean(); // set by whichever ends the run: handler or timer
    BooleanSupplier end = () -> over.compareAndSet(false, true);
    RunSlot slot = new RunSlot();
    ScheduledFuture<?> timer = null;
    Outcome outcome = null;
    try {
      if (stopping) {
        // dispatched just as the stop began: as if never claimed
        outcome = new Outcome.Unstarted(claimed);
        notRun.accept(outcome);
        end.getAsBoolean();
      } else {
        timer = startTimer(claimed, end, slot);
        outcome = runner.run(claimed, end, slot);
      }
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
      if (outcome == null && end.getAsBoolean()) {
        outcome = new Outcome.Released(claimed, claimed.stepsJson() != null);
      }
      if (outcome != null) { // else the timer ended this run
        finish(claimed, slot, outcome);
      }
    }
  }

  /** A timer that ends the run at its task's timeout, or null when the task has none. */
  private ScheduledFuture<?> startTimer(Claimed claimed, BooleanSupplier end, RunSlot slot) {
    var timeout = tasks.get(claimed.taskName()).options().timeout();
    if (timeout.isEmpty()) {
      return null;
    }
    return timers.schedule(
        () -> {
          if (end.getAsBoolean()) {
            finish(claimed, slot, runner.timedOut(claimed));
          }
        },
        timeout.get().toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /** A run ended: its outcome goes to the flusher and its slot to the next execution. */
  private void finish(Claimed claimed, RunSlot slot, Outcome outcome) {
    flusher.add(outcome, limited(claimed));
    finished.incrementAndGet();
    List<Claimed> next;
    synchronized (lock) {
      slot.give();
      next = takeStartable();
    }
    start(next);
    ended(inFlight.decrementAndGet());
  }

  private enum SlotState {
    HOLDING, // counted in started
    LENT, // the handler waits for a commit; another execution may have the slot
    WAITING, // the commit is back; in reclaiming until a slot is free
    GIVEN // the run ended
  }

  /** One run's slot; its state is guarded by the dispatcher's lock. */
  private final class RunSlot implements HandlerSlot {
    SlotState state = SlotState.HOLDING;
    final Semaphore woken = new Semaphore(0);

    @Override
    public void lend() {
      List<Claimed> next;
      synchronized (lock) {
        if (state != SlotState.HOLDING) {
          return;
        }
        state = SlotState.LENT;
        started--;
        next = takeStartable();
      }
      start(next);
    }

    @Override
    public void reclaim() {
      synchronized (lock) {
        if (state != SlotState.LENT) {
          return;
        }
        if (started < concurrency && reclaiming.isEmpty()) {
          state = SlotState.HOLDING;
          started++;
          return;
        }
        state = SlotState.WAITING;
        reclaiming.add(this);
      }
      // a semaphore, not a monitor: on JDK 21 a virtual thread waiting in a monitor pins its
      // carrier. Uninterruptible: a slot is handed over only by a run that ends or lends (or by
      // give(), if the timer ends this run meanwhile), and an interrupt is seen at the next check.
      woken.acquireUninterruptibly();
    }

    /** The run ended (its handler or its timer): the slot it holds, if any, is free. */
    void give() {
      switch (state) {
        case HOLDING -> started--;
        case WAITING -> {
          reclaiming.remove(this);
          woken.release();
        }
        case LENT, GIVEN -> {}
      }
      state = SlotState.GIVEN;
    }
  }

  /** A claimed execution ends without running: the listeners hear it, the flusher writes it. */
  private void endUnrun(Outcome outcome) {
    notRun.accept(outcome);
    flusher.add(outcome, limited(outcome.claimed()));
  }

  /** Its task has a concurrency limit: its outcome frees a slot, so it is written soon. */
  private boolean limited(Claimed claimed) {
    return tasks.get(claimed.taskName()).options().concurrency().isPresent();
  }

  private void ended(int nowInFlight) {
    if (nowInFlight == 0) {
      flusher.nudge(); // the worker may be idle now: the flusher writes at once
    }
    if (stopping) {
      signal.changed();
    } else {
      signal.roomFreed(() -> room.enough(nowInFlight));
    }
  }
}
