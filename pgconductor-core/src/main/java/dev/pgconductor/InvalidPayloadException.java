package dev.pgconductor;

import java.util.List;

/**
 * A payload was rejected before anything was written: it is of the wrong type, fails its Jakarta
 * Bean Validation constraints, or cannot be serialized to JSON.
 */
public final class InvalidPayloadException extends PgConductorException {
  private static final long serialVersionUID = 1L;
  private final String taskName;
  private final List<String> violations;

  public InvalidPayloadException(String taskName, List<String> violations, Throwable cause) {
    super("Invalid payload for task '" + taskName + "': " + String.join("; ", violations), cause);
    this.taskName = taskName;
    this.violations = List.copyOf(violations);
  }

  /** The task whose payload was rejected. */
  public String taskName() {
    return taskName;
  }

  /** One line per problem, e.g. {@code "name: must not be blank"}. */
  public List<String> violations() {
    return violations;
  }
}
