package dev.pgconductor;

/**
 * What a running handler can reach besides its event: the execution it runs, a logger whose
 * lines carry task, execution and queue, and the Conductor's custom context.
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

  /** Which attempt this is, starting at 1. */
  int attempt();

  /** Logger whose lines carry task, execution id and queue (SPEC DEF-6). */
  TaskLogger logger();

  /** The custom context given to the Conductor ({@code null} when none was given). */
  C context();
}
