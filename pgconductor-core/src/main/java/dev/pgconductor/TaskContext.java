package dev.pgconductor;

import java.time.Duration;
import java.time.ZoneId;
import java.util.concurrent.Callable;

/**
 * What a running handler can use besides its event: durable steps, sleeps and child executions
 * whose progress survives retries, restarts and deploys; a cancellation/shutdown signal; a logger
 * whose lines carry task, execution and queue; and the Conductor's custom context.
 *
 * <p>Names of steps, sleeps and child invocations are unique per execution (they share one
 * namespace); reusing a name returns what was recorded under it the first time.
 *
 * <p>{@code sleep}, {@code invoke}, and a release at a step boundary or {@code checkpoint} end the
 * handler's current run by throwing an internal {@link Error}; it is not an {@link Exception}, so
 * {@code catch (Exception e)} does not swallow it. Never catch {@link Throwable} around context
 * calls: a run that swallowed it fails with an error saying so.
 *
 * @param <C> custom context type given to {@link Conductor.Builder#context}
 */
public interface TaskContext<C> {
  /** Id of the running execution. */
  String executionId();

  /** Name of the running task. */
  String taskName();

  /** Queue of the running execution. */
  String queue();

  /**
   * Which attempt this is, starting at 1 (resuming after a sleep or a child is the same attempt).
   */
  int attempt();

  /** Logger whose lines carry task, execution id and queue. */
  TaskLogger logger();

  /** The custom context given to the Conductor ({@code null} when none was given). */
  C context();

  /** Cancellation and shutdown signal. */
  TaskSignal signal();

  /**
   * A memoized step: the first time, runs {@code fn} and records its result (JSON); every later run
   * of this execution (retry, resume) returns the recorded value without running {@code fn}.
   * At-least-once: if the process dies after {@code fn} ran but before the result was recorded,
   * {@code fn} runs again; once recorded it never runs again. If the execution was cancelled or the
   * worker is stopping, the run ends here instead of starting {@code fn}.
   */
  <T> T step(String name, Class<T> type, Callable<T> fn) throws Exception;

  /**
   * {@link #step(String, Class, Callable)} for generic results, e.g. {@code new
   * TypeRef<List<Item>>() {}}.
   */
  <T> T step(String name, TypeRef<T> type, Callable<T> fn) throws Exception;

  /** A memoized step without a result. */
  void step(String name, StepAction action) throws Exception;

  /**
   * A step whose body runs in the same Postgres transaction that records its result: its database
   * writes through the given connection happen exactly once, even if the worker dies at any
   * instant. The body must not commit, roll back or close the connection.
   */
  <T> T transactionalStep(String name, Class<T> type, TransactionalStepBody<T> body)
      throws Exception;

  /**
   * Durable sleep: releases the execution (its worker slot is free for others) and resumes it after
   * {@code duration}; a sleep that already finished returns at once.
   */
  void sleep(String name, Duration duration);

  /**
   * Invokes a child task and waits for its result. The child is created once; the parent is
   * released while it runs and resumed when it finishes. Throws {@link
   * ChildExecutionFailedException} if the child fails for good or is cancelled.
   */
  <P, R> R invoke(String name, TaskDefinition<P, R> task, P payload);

  /**
   * {@link #invoke(String, TaskDefinition, Object)} with a timeout: if the child has not finished
   * in time, this attempt of the parent fails with {@link ChildTimeoutException} (the child keeps
   * running; a retry of the parent waits for it again).
   */
  <P, R> R invoke(String name, TaskDefinition<P, R> task, P payload, Duration timeout);

  /**
   * A release point: if the execution was cancelled or the worker is stopping, the run ends here
   * (cancelled, or released to resume later); otherwise returns at once.
   */
  void checkpoint();

  /**
   * Creates or replaces a dynamic cron schedule of a task: from now on the task runs at each
   * occurrence of {@code cron} (in UTC) with {@code payload}, as a {@link TaskEvent.Scheduled}
   * event named {@code scheduleName}. Scheduling the same name again replaces the schedule and its
   * pending occurrence; it survives restarts until {@link #unschedule}. Not memoized: calling it
   * again in a later run has the same effect. See {@link Conductor#schedule}.
   */
  <P> void schedule(TaskDefinition<P, ?> task, String scheduleName, String cron, P payload);

  /** {@link #schedule(TaskDefinition, String, String, Object)} in the given time zone. */
  <P> void schedule(
      TaskDefinition<P, ?> task, String scheduleName, String cron, ZoneId zone, P payload);

  /**
   * Removes a dynamic schedule and its pending occurrence (one that already runs finishes). Returns
   * false when the task had no dynamic schedule of that name.
   */
  boolean unschedule(TaskDefinition<?, ?> task, String scheduleName);

  /**
   * Cancels another execution, as {@link Conductor#cancel(String, String)} does: one that is not
   * running fails at once with the reason, a running one stops at its next step or checkpoint, and
   * its unfinished children go with it. Not memoized: cancelling again is harmless. Returns false
   * when the execution is unknown or already finished.
   *
   * @throws IllegalArgumentException if {@code id} is not an execution id (a UUID)
   */
  boolean cancel(String id, String reason);

  /** {@link #cancel(String, String)} with the reason "Cancelled by user". */
  default boolean cancel(String id) {
    return cancel(id, "Cancelled by user");
  }

  /**
   * Emits a custom event from the handler, memoized like a step named {@code name}: the event is
   * emitted once, whatever happens to this run, and a later run returns the recorded event id
   * without emitting again. See {@link Conductor#emit}.
   */
  <E> String emit(String name, EventDefinition<E> event, E payload) throws Exception;
}
