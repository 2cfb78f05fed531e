package dev.pgconductor;

import java.util.List;
import java.util.Objects;

/**
 * A worker for one queue: which tasks it runs and how. Created by {@link Conductor#createWorker}
 * and run by an {@link Orchestrator}.
 *
 * @param queue the queue it serves
 * @param tasks the tasks it runs; all on {@code queue}
 * @param config fetch and concurrency settings
 */
public record Worker(String queue, List<Task<?, ?>> tasks, WorkerConfig config) {
  public Worker {
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(config, "config");
    tasks = List.copyOf(tasks);
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("worker for queue '" + queue + "' has no tasks");
    }
    for (Task<?, ?> task : tasks) {
      if (!task.options().queue().equals(queue)) {
        throw new IllegalArgumentException(
            "task '"
                + task.name()
                + "' is on queue '"
                + task.options().queue()
                + "', not on the worker's queue '"
                + queue
                + "'");
      }
    }
  }
}
