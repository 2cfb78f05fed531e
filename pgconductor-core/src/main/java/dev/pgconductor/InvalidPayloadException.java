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
    this("task", taskName, violations, cause);
  }

  /**
   * A payload refused for something other than a task.
   *
   * @param kind what the payload was for, such as "event"
   * @param name its name, also returned by {@link #taskName()}
   */
  public InvalidPayloadException(
      String kind, String name, List<String> violations, Throwable cause) {
    super(
        "Invalid payload for " + kind + " '" + name + "': " + String.join("; ", violations), cause);
    this.taskName = name;
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
