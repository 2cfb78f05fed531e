package dev.pgconductor;

import java.time.Duration;
import java.util.List;

/**
 * Hears what happens to executions and orchestrators in this process: the hook that metrics,
 * tracing and dashboards are built on. Register one with {@link Conductor.Builder#listener} (it
 * then hears the Conductor's invokes and cancels and every orchestrator built on it) or with {@link
 * Orchestrator.Builder#listener} (that orchestrator only). Every method has an empty default, so an
 * implementation overrides what it needs.
 *
 * <p>Each process hears its own work: the invokes it made, the runs of its own workers. Methods are
 * called on the thread where the thing happened (a caller of {@code invoke}, a handler's virtual
 * thread, the heartbeat), concurrently, so an implementation must be thread-safe, fast and never
 * block; an exception it throws is logged and otherwise ignored. A run's {@link #executionStarted}
 * and its end ({@link #executionCompleted}, {@link #executionFailed}, {@link #executionCancelled}
 * or {@link #executionReleased}) are called on the handler's own thread, so a tracer may keep
 * per-run state in a thread local between them. A run's end is reported when its handler returns;
 * its outcome is written to the database with the worker's next flush.
 */
public interface ConductorListener {

  /** Executions were stored by {@code invoke} or {@code invokeBatch} (one call per execution). */
  default void executionInvoked(Invoked event) {}

  /** A worker of this process started a run of an execution. */
  default void executionStarted(Started event) {}

  /** A handler recorded a step (not called for a step found recorded by an earlier run). */
  default void stepRecorded(StepRecorded event) {}

  /** A run completed its execution with a result. */
  default void executionCompleted(Completed event) {}

  /** A run failed: it is retried later, or the execution failed for good. */
  default void executionFailed(Failed event) {}

  /**
   * An execution was cancelled: by {@link Conductor#cancel} here when it was not running, or at the
   * end of its run in a worker of this process.
   */
  default void executionCancelled(Cancelled event) {}

  /** A run ended without finishing its execution: it sleeps, waits for a child, or was stopped. */
  default void executionReleased(Released event) {}

  /** An orchestrator of this process started its workers. */
  default void orchestratorStarted(OrchestratorStarted event) {}

  /** An orchestrator of this process stopped. */
  default void orchestratorStopped(OrchestratorStopped event) {}

  /**
   * A newer version of pgconductor, about to apply a breaking schema migration, asked the
   * orchestrators of older versions to drain and stop, and this orchestrator is one of them: it
   * claims nothing more and stops gracefully ({@link #orchestratorStopped} follows). The process
   * keeps running; restart it with the newer version. Called on the heartbeat thread. See
   * docs/live-migrations.md.
   */
  default void drainRequested(DrainRequested event) {}

  /** An orchestrator of this process found dead peers and released or failed their executions. */
  default void executionsRescued(Rescued event) {}

  /**
   * An orchestrator of this process looked for ready executions on its queues whose task no
   * registered orchestrator runs there (an unknown task, or one moved to another queue), and found
   * some. Called at each look (every 12th heartbeat) while there are any.
   */
  default void executionsUnserved(Unserved event) {}

  /**
   * A maintenance run of a queue removed the finished executions whose retention ran out: the daily
   * run an orchestrator of this process made, or {@link Conductor#runMaintenance} here. Called
   * after every run, also when it removed nothing.
   */
  default void maintenanceCompleted(MaintenanceReport report) {}

  /**
   * An execution was stored.
   *
   * @param executionId its id (an existing one when a dedupe key matched a pending execution)
   * @param taskName its task
   * @param queue its queue
   */
  record Invoked(String executionId, String taskName, String queue) {}

  /**
   * A run started.
   *
   * @param executionId the execution
   * @param taskName its task
   * @param queue its queue
   * @param attempt the attempt this run belongs to (1 for the first)
   * @param queueWait from when it was due to when it was claimed, by the database clock
   */
  record Started(
      String executionId, String taskName, String queue, int attempt, Duration queueWait) {}

  /**
   * A step was recorded.
   *
   * @param executionId the execution
   * @param taskName its task
   * @param queue its queue
   * @param stepName the step
   * @param duration how long the step's code ran, its recording included
   */
  record StepRecorded(
      String executionId, String taskName, String queue, String stepName, Duration duration) {}

  /**
   * A run completed.
   *
   * @param executionId the execution
   * @param taskName its task
   * @param queue its queue
   * @param attempt the attempt that completed
   * @param duration how long this run's handler ran
   */
  record Completed(
      String executionId, String taskName, String queue, int attempt, Duration duration) {}

  /**
   * A run failed.
   *
   * @param executionId the execution
   * @param taskName its task
   * @param queue its queue
   * @param attempt the attempt that failed
   * @param duration how long this run's handler ran
   * @param error what the handler threw
   * @param willRetry whether another attempt follows (false: the execution failed for good)
   */
  record Failed(
      String executionId,
      String taskName,
      String queue,
      int attempt,
      Duration duration,
      Throwable error,
      boolean willRetry) {}

  /**
   * An execution was cancelled.
   *
   * @param executionId the execution
   * @param taskName its task
   * @param queue its queue
   */
  record Cancelled(String executionId, String taskName, String queue) {}

  /**
   * A run ended without finishing its execution.
   *
   * @param executionId the execution
   * @param taskName its task
   * @param queue its queue
   * @param reason why
   * @param duration how long this run's handler ran (zero if it never started)
   */
  record Released(
      String executionId, String taskName, String queue, Reason reason, Duration duration) {}

  /** Why a run ended without finishing its execution. */
  enum Reason {
    /** A durable sleep: it resumes when the sleep is over. */
    SLEEP,
    /** It waits for a child execution: it resumes when the child finished or the wait timed out. */
    CHILD,
    /** Its worker stopped (or lost the execution): it runs again, on this or another worker. */
    STOP
  }

  /**
   * An orchestrator started.
   *
   * @param orchestratorId its id
   * @param queues the queues its workers serve
   */
  record OrchestratorStarted(String orchestratorId, List<String> queues) {}

  /**
   * An orchestrator stopped.
   *
   * @param orchestratorId its id
   */
  record OrchestratorStopped(String orchestratorId) {}

  /**
   * A newer version asked this orchestrator to drain and stop.
   *
   * @param orchestratorId the orchestrator that stops
   * @param schemaVersion the newest schema version its library knows
   * @param requestedVersion the schema version of the breaking migration that waits for it
   */
  record DrainRequested(String orchestratorId, int schemaVersion, int requestedVersion) {}

  /**
   * Dead orchestrators' executions were released (or failed, on their last attempt).
   *
   * @param orchestratorId the orchestrator that found them
   * @param executions how many executions were released or failed
   */
  record Rescued(String orchestratorId, int executions) {}

  /**
   * Ready executions that no registered orchestrator runs, by queue and task.
   *
   * @param orchestratorId the orchestrator that looked
   * @param tasks what it found, one entry per queue and task
   */
  record Unserved(String orchestratorId, List<UnservedTask> tasks) {
    public Unserved {
      tasks = List.copyOf(tasks);
    }
  }

  /**
   * Ready executions of one task on one queue that no registered orchestrator runs there.
   *
   * @param queue the queue they wait in
   * @param taskName their task
   * @param ready how many are ready
   * @param oldestDue when the oldest of them became due
   */
  record UnservedTask(String queue, String taskName, long ready, java.time.Instant oldestDue) {}
}
