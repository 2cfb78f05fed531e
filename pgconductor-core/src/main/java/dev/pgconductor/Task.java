package dev.pgconductor;

import java.util.List;
import java.util.Objects;

/**
 * A registered task handler, returned by {@link Conductor#createTask}. Hand it to an {@link
 * Orchestrator} (directly or through a {@link Worker}) to have it run.
 *
 * @param <P> payload type
 * @param <R> result type
 */
public final class Task<P, R> {
  private final TaskOptions<P, R> options;
  private final List<Trigger> triggers;
  private final TaskHandler<P, R, ?> handler;
  private final BatchTaskHandler<P, R, ?> batchHandler;

  Task(TaskOptions<P, R> options, List<Trigger> triggers, TaskHandler<P, R, ?> handler) {
    this.options = Objects.requireNonNull(options, "options");
    this.triggers = List.copyOf(triggers);
    this.handler = Objects.requireNonNull(handler, "handler");
    this.batchHandler = null;
  }

  Task(TaskOptions<P, R> options, List<Trigger> triggers, BatchTaskHandler<P, R, ?> handler) {
    this.options = Objects.requireNonNull(options, "options");
    this.triggers = List.copyOf(triggers);
    this.handler = null;
    this.batchHandler = Objects.requireNonNull(handler, "handler");
  }

  /** The options it was registered with. */
  public TaskOptions<P, R> options() {
    return options;
  }

  /** Its triggers. */
  public List<Trigger> triggers() {
    return triggers;
  }

  /** The handler it was registered with; null for a batch task (see {@link #batchHandler()}). */
  public TaskHandler<P, R, ?> handler() {
    return handler;
  }

  /** The handler of a batch task ({@link Conductor#createBatchTask}); null for other tasks. */
  public BatchTaskHandler<P, R, ?> batchHandler() {
    return batchHandler;
  }

  /** Whether it is a batch task, whose handler takes a list of events. */
  public boolean isBatch() {
    return batchHandler != null;
  }

  /** Shortcut for {@code options().definition()}. */
  public TaskDefinition<P, R> definition() {
    return options.definition();
  }

  /** Shortcut for {@code definition().name()}. */
  public String name() {
    return options.name();
  }

  /**
   * Whether {@link Conductor#invoke} may create its executions (it has {@link
   * Trigger#invocable()}).
   */
  public boolean isInvocable() {
    return triggers.contains(Trigger.invocable());
  }

  @Override
  public String toString() {
    return "Task[" + name() + ", queue=" + options.queue() + ", triggers=" + triggers + "]";
  }
}
