package dev.pgconductor;

import java.util.List;

/**
 * A registered task handler, returned by {@link Conductor#createTask}. Hand it to an {@link
 * Orchestrator} (directly or through a {@link Worker}) to have it run.
 *
 * @param <P> payload type
 * @param <R> result type
 */
public interface Task<P, R> {
  /** The options it was registered with. */
  TaskOptions<P, R> options();

  /** Its triggers. */
  List<Trigger> triggers();

  /** Shortcut for {@code options().definition()}. */
  default TaskDefinition<P, R> definition() {
    return options().definition();
  }

  /** Shortcut for {@code definition().name()}. */
  default String name() {
    return options().name();
  }
}
