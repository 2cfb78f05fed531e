package dev.pgconductor;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The shared contract of a task: its name, payload type, result type and queue. A plain value that
 * both the service that invokes and the service that runs the task depend on.
 *
 * <pre>{@code
 * static final TaskDefinition<Greet, Greeting> GREET =
 *     TaskDefinition.of("greet", Greet.class, Greeting.class);
 * static final TaskDefinition<Resize, Void> RESIZE =
 *     TaskDefinition.of("resize", Resize.class).onQueue("images");
 * }</pre>
 *
 * <p>The queue belongs to the definition (not only to the handler) so that a service that only
 * invokes knows where executions go. Payloads and results are stored as JSON (Jackson).
 *
 * @param name task name, unique within a database
 * @param payloadType payload class ({@code Void.class} for none)
 * @param resultType result class ({@code Void.class} for none)
 * @param queue queue the task's executions go to ("default" unless set)
 */
public record TaskDefinition<P, R>(
    String name, Class<P> payloadType, Class<R> resultType, String queue) {

  /** The queue used when none is given. */
  public static final String DEFAULT_QUEUE = "default";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,119}");

  public TaskDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payloadType, "payloadType");
    Objects.requireNonNull(resultType, "resultType");
    Objects.requireNonNull(queue, "queue");
    requireName("task name", name);
    requireName("queue name", queue);
  }

  /** A task with a payload and a result, on the default queue. */
  public static <P, R> TaskDefinition<P, R> of(
      String name, Class<P> payloadType, Class<R> resultType) {
    return new TaskDefinition<>(name, payloadType, resultType, DEFAULT_QUEUE);
  }

  /** A task with a payload and no result, on the default queue. */
  public static <P> TaskDefinition<P, Void> of(String name, Class<P> payloadType) {
    return new TaskDefinition<>(name, payloadType, Void.class, DEFAULT_QUEUE);
  }

  /** A task with neither payload nor result, on the default queue. */
  public static TaskDefinition<Void, Void> of(String name) {
    return new TaskDefinition<>(name, Void.class, Void.class, DEFAULT_QUEUE);
  }

  /** This definition on another queue. */
  public TaskDefinition<P, R> onQueue(String queue) {
    return new TaskDefinition<>(name, payloadType, resultType, queue);
  }

  static void requireName(String what, String value) {
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what
              + " '"
              + value
              + "' is invalid: use 1-120 letters, digits, '_', '.', ':' or '-', starting with a"
              + " letter or digit");
    }
  }
}
