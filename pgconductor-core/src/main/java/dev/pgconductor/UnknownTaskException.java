package dev.pgconductor;

/** A task name that the Conductor's {@link TaskSchemas} do not define was used. */
public final class UnknownTaskException extends PgConductorException {
  private static final long serialVersionUID = 1L;
  private final String taskName;

  public UnknownTaskException(String taskName, String message) {
    super(message);
    this.taskName = taskName;
  }

  /** The task name that is not defined. */
  public String taskName() {
    return taskName;
  }
}
