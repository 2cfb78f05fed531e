package dev.pgconductor;

/**
 * Thrown by {@link TaskContext#invoke} when the child execution failed for good or was cancelled.
 * Uncaught, it fails the parent at once, without retries (a retry would only see the same memoized
 * failure). A handler may catch it to compensate.
 */
public final class ChildExecutionFailedException extends PgConductorException {
  private static final long serialVersionUID = 1L;
  private final String childId;
  private final String childError;

  public ChildExecutionFailedException(String childId, String childError) {
    super("Child execution failed: " + childError);
    this.childId = childId;
    this.childError = childError;
  }

  /** The child execution's id. */
  public String childId() {
    return childId;
  }

  /** The child's last error (or why it was cancelled). */
  public String childError() {
    return childError;
  }
}
