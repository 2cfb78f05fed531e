package dev.pgconductor.internal.worker;

import dev.pgconductor.Task;
import dev.pgconductor.TaskSignal;
import dev.pgconductor.Worker;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.OrchestratorStore;
import dev.pgconductor.internal.db.Outcome;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Worker}, in three parts: a {@link FetchLoop} on its fetcher thread claims
 * executions, a {@link Dispatcher} runs their handlers on virtual threads, and an {@link
 * OutcomeFlusher} on its flusher thread writes the outcomes back in batches; a {@link WakeSignal}
 * is where the fetcher waits. This class wires them and stops them in order.
 */
final class WorkerRunner<C> {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerRunner.class);

  private final String queue;
  private final String threadPrefix; // "pgconductor-<orchestrator>-"
  private final WorkerConfig config;
  private final List<String> taskNames;
  private final RunningExecutions running = new RunningExecutions();
  private final WakeSignal signal = new WakeSignal();
  private final DueTimes due = new DueTimes();
  private final ExecutorService handlers;
  private final OutcomeFlusher flusher;
  private final Dispatcher dispatcher;
  private final FetchLoop fetchLoop;
  private final List<BatchLoop> batchLoops = new java.util.ArrayList<>();
  private final List<BatchRunner<C>> batchRunners = new java.util.ArrayList<>();
  private final List<Thread> batchThreads = new java.util.ArrayList<>();
  private Thread fetcherThread;
  private Thread flusherThread;

  WorkerRunner(
      RunEnvironment<C> environment,
      OrchestratorStore orchestrators,
      UUID orchestratorId,
      Worker worker,
      StepWriter stepWriter,
      ScheduledExecutorService timers,
      String threadPrefix) {
    this.queue = worker.queue();
    this.threadPrefix = threadPrefix;
    this.config = worker.config();
    Map<String, Task<?, ?>> tasks =
        worker.tasks().stream()
            .collect(Collectors.toUnmodifiableMap(Task::name, Function.identity()));
    this.taskNames = List.copyOf(tasks.keySet());
    var runner = new ExecutionRunner<>(environment, queue, orchestratorId, stepWriter, running);
    BatchRunner<C> loneBatch = new BatchRunner<>(environment, runner, queue, orchestratorId);
    batchRunners.add(loneBatch);
    this.handlers =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name(threadPrefix + "handler-" + queue + "-", 0).factory());
    this.flusher =
        new OutcomeFlusher(
            environment.executions(),
            orchestratorId,
            queue,
            // a flush is a durable commit; larger batches mean fewer of them (an idle worker and
            // flushInterval still write sooner)
            flushBatchSize(config, tasks.values()),
            config.flushInterval(),
            // idle: nothing claimed is left and the queue had no more. While claims come back
            // full, a moment with nothing in flight is only the gap before the next batch.
            this::idleForFlush,
            signal::wake,
            this::dueAt);
    this.dispatcher =
        new Dispatcher(
            config.concurrency(),
            tasks,
            new Dispatcher.Runner() {
              @Override
              public Outcome run(Claimed claimed, BooleanSupplier end, HandlerSlot slot) {
                Task<?, ?> task = tasks.get(claimed.taskName());
                if (task.isBatch()) {
                  // an ordinary claim found it (another orchestrator registered the task as an
                  // ordinary one): a batch of one
                  return end.getAsBoolean()
                      ? loneBatch.run(task, List.of(claimed)).getFirst()
                      : null;
                }
                return runner.run(task, claimed, end, slot);
              }

              @Override
              public Outcome timedOut(Claimed claimed) {
                return runner.timedOut(tasks.get(claimed.taskName()), claimed);
              }
            },
            runner::notRun,
            flusher,
            handlers,
            timers,
            signal,
            this::hasRoom);
    this.fetchLoop =
        new FetchLoop(
            environment.executions(),
            orchestrators,
            orchestratorId,
            queue,
            taskNames,
            config,
            dispatcher,
            signal,
            flusher::nudge,
            due,
            environment::clockNow);
    for (Task<?, ?> task : worker.tasks()) {
      if (task.isBatch()) {
        BatchRunner<C> batchRunner = new BatchRunner<>(environment, runner, queue, orchestratorId);
        batchRunners.add(batchRunner);
        batchLoops.add(
            new BatchLoop(
                environment.executions(),
                orchestrators,
                orchestratorId,
                queue,
                task,
                config,
                batchRunner,
                flusher,
                handlers,
                runner::notRun));
      }
    }
  }

  /** Work of this queue becomes due at {@code at}: an idle fetcher wakes up then. */
  void dueAt(java.time.Instant at) {
    if (due.add(at)) {
      signal.wake(); // the fetcher sleeps longer than that: let it sleep again, shorter
    }
  }

  /**
   * Outcomes the flusher gathers before it writes: what one claim can bring in, for the ordinary
   * fetcher and for each batch task's loop.
   */
  private static int flushBatchSize(WorkerConfig config, Collection<Task<?, ?>> tasks) {
    int size = Math.max(100, config.concurrency() + ClaimSizer.ceiling(config.fetchBatchSize()));
    for (Task<?, ?> task : tasks) {
      if (task.isBatch()) {
        int batch = task.options().batch().orElseThrow().size();
        size = Math.max(size, BatchLoop.largestClaim(batch, config.concurrency()));
      }
    }
    return size;
  }

  private boolean idleForFlush() {
    return dispatcher.inFlight() == 0
        && fetchLoop.starved()
        && batchLoops.stream().allMatch(b -> b.inFlight() == 0 && b.starved());
  }

  private boolean hasRoom(int inFlight) {
    return fetchLoop.hasRoom(inFlight);
  }

  String queue() {
    return queue;
  }

  List<String> taskNames() {
    return taskNames;
  }

  void start() {
    flusherThread =
        Thread.ofPlatform().name(threadPrefix + "flusher-" + queue).daemon().start(flusher);
    fetcherThread =
        Thread.ofPlatform().name(threadPrefix + "fetcher-" + queue).daemon().start(fetchLoop);
    for (BatchLoop loop : batchLoops) {
      batchThreads.add(
          Thread.ofPlatform()
              .name(threadPrefix + "batch-" + queue + "-" + loop.taskName())
              .daemon()
              .start(loop));
    }
    LOG.info("Worker for queue '{}' started: tasks {}, {}", queue, taskNames, config);
  }

  /** New work may be ready (a notification arrived). */
  void wake() {
    signal.wake();
    batchLoops.forEach(BatchLoop::wake);
  }

  /**
   * Aborts the run of this execution if it runs in this worker. A cancelled execution that was
   * claimed but has not started yet ends cancelled without running its handler.
   */
  void abort(UUID executionId, TaskSignal.Reason reason) {
    if (reason == TaskSignal.Reason.CANCELLED && dispatcher.cancelUnstarted(executionId)) {
      return;
    }
    running.abort(executionId, reason);
  }

  /**
   * Ids of every execution this worker holds: claimed and waiting for a slot, running, or with an
   * outcome not yet written.
   */
  Set<UUID> knownIds() {
    Set<UUID> ids = new java.util.HashSet<>(running.ids());
    ids.addAll(dispatcher.bufferedIds());
    batchLoops.forEach(b -> ids.addAll(b.heldIds()));
    batchRunners.forEach(b -> ids.addAll(b.runningIds()));
    ids.addAll(flusher.heldIds());
    return ids;
  }

  /** Ids of the executions whose handlers run in this worker now. */
  Set<UUID> runningIds() {
    return running.ids();
  }

  /** Nothing claimed is waiting to run or running, and no outcome waits to be written. */
  boolean isIdle() {
    return dispatcher.inFlight() == 0
        && batchLoops.stream().allMatch(b -> b.inFlight() == 0)
        && flusher.isEmpty();
  }

  /*
   * Stopping, in phases so that an orchestrator stops all its workers at once against one
   * deadline: beginStop (no more fetching; unstarted executions released; running handlers
   * signalled to end at their next step or checkpoint), awaitHandlers, interruptHandlers for the
   * stragglers, finishStop (all outcomes written).
   */

  /** Stops fetching, releases what has not started, and signals running handlers. */
  void beginStop() {
    fetchLoop.stop();
    batchLoops.forEach(BatchLoop::stop);
    join(fetcherThread);
    batchThreads.forEach(WorkerRunner::join);
    dispatcher.stop();
    batchLoops.forEach(BatchLoop::releaseHeld);
    // no interrupt yet: a step in progress may finish and be recorded, so no step runs twice
    running.signalAll(TaskSignal.Reason.SHUTDOWN);
    batchRunners.forEach(b -> b.signalAll(false));
  }

  /** Waits until no handler runs or the deadline ({@link System#nanoTime()}) passes. */
  boolean awaitHandlers(long deadlineNanos) {
    return dispatcher.awaitIdle(deadlineNanos)
        && batchLoops.stream().allMatch(b -> b.awaitIdle(deadlineNanos));
  }

  /** Interrupts handlers still running after the grace period. */
  void interruptHandlers() {
    int left = dispatcher.inFlight();
    if (left > 0) {
      LOG.warn(
          "Queue '{}': {} handlers still running after the shutdown grace period; interrupting"
              + " them (their executions are released and resume elsewhere)",
          queue,
          left);
      for (UUID id : running.ids()) {
        running.abort(id, TaskSignal.Reason.SHUTDOWN);
      }
    }
    batchRunners.forEach(b -> b.signalAll(true));
  }

  /** Writes every outcome back; handlers still running now are abandoned to the deregistration. */
  void finishStop() {
    handlers.shutdown();
    flusher.close();
    join(flusherThread);
  }

  private static void join(Thread thread) {
    if (thread == null) {
      return;
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
