package dev.pgconductor.internal.worker;

import dev.pgconductor.TaskContext;
import dev.pgconductor.TaskLogger;

/** The context of one run of one execution. */
final class DefaultTaskContext<C> implements TaskContext<C> {
  private final String executionId;
  private final String taskName;
  private final String queue;
  private final int attempt;
  private final TaskLogger logger;
  private final C context;

  DefaultTaskContext(
      String executionId, String taskName, String queue, int attempt, TaskLogger logger, C context) {
    this.executionId = executionId;
    this.taskName = taskName;
    this.queue = queue;
    this.attempt = attempt;
    this.logger = logger;
    this.context = context;
  }

  @Override
  public String executionId() {
    return executionId;
  }

  @Override
  public String taskName() {
    return taskName;
  }

  @Override
  public String queue() {
    return queue;
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public TaskLogger logger() {
    return logger;
  }

  @Override
  public C context() {
    return context;
  }
}
