package dev.pgconductor;

/** {@code invoke} was called for a task that is registered without an invocable trigger. */
public final class TaskNotInvocableException extends PgConductorException {
  private static final long serialVersionUID = 1L;
  private final String taskName;

  public TaskNotInvocableException(String taskName) {
    super(
        "Task '" + taskName + "' cannot be invoked: it is registered without Trigger.invocable()");
    this.taskName = taskName;
  }

  /** The task that has no invocable trigger. */
  public String taskName() {
    return taskName;
  }
}
