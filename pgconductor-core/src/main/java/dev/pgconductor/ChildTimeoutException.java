package dev.pgconductor;

import java.time.Duration;

/**
 * Thrown by {@link TaskContext#invoke} with a timeout when the child has not finished in time. It
 * fails the parent's attempt (retried as usual; a retry waits for the same child again). The child
 * is not cancelled.
 */
public final class ChildTimeoutException extends PgConductorException {
  private static final long serialVersionUID = 1L;
  private final String childId;

  public ChildTimeoutException(String step, String childId, Duration timeout) {
    super(
        "Child execution " + childId + " of step '" + step + "' did not finish within " + timeout);
    this.childId = childId;
  }

  /** The child execution's id. */
  public String childId() {
    return childId;
  }
}
