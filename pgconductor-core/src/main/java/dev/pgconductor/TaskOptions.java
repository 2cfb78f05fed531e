package dev.pgconductor;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a handler runs a task: which definition it serves, how often it is attempted and how many of
 * its executions may run at once. Immutable; every setter returns a copy.
 *
 * <pre>{@code
 * TaskOptions.of(GREET).maxAttempts(5)
 * TaskOptions.of(CHARGE).concurrency(2)            // at most 2 running, across all orchestrators
 * TaskOptions.named("send-digest").queue("mail")   // a task without payload or result
 * }</pre>
 *
 * @param <P> payload type
 * @param <R> result type
 */
public final class TaskOptions<P, R> {
  /** Attempts made when none is set (SPEC DEF-1). */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  private final TaskDefinition<P, R> definition;
  private final int maxAttempts;
  private final int concurrency; // 0: unlimited

  private TaskOptions(TaskDefinition<P, R> definition, int maxAttempts, int concurrency) {
    this.definition = Objects.requireNonNull(definition, "definition");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "maxAttempts of task '" + definition.name() + "' must be at least 1, got " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    this.concurrency = concurrency;
  }

  /** Options for a defined task. */
  public static <P, R> TaskOptions<P, R> of(TaskDefinition<P, R> definition) {
    return new TaskOptions<>(definition, DEFAULT_MAX_ATTEMPTS, 0);
  }

  /** Options for a task without payload or result, defined as {@code TaskDefinition.of(name)}. */
  public static TaskOptions<Void, Void> named(String name) {
    return of(TaskDefinition.of(name));
  }

  /**
   * The queue of the task. It must match the queue of the definition in the Conductor's {@link
   * TaskSchemas}; the definition is what invokers use to route executions.
   */
  public TaskOptions<P, R> queue(String queue) {
    return new TaskOptions<>(definition.onQueue(queue), maxAttempts, concurrency);
  }

  /** Attempts before an execution fails for good (default 3). */
  public TaskOptions<P, R> maxAttempts(int maxAttempts) {
    return new TaskOptions<>(definition, maxAttempts, concurrency);
  }

  /**
   * At most this many executions of the task hold a claim at once, across all workers and
   * orchestrators (SPEC CON-1); the others wait in the queue. An execution holds its place from its
   * claim until its outcome is written, and gives it up while it sleeps or waits for a child.
   * Default: unlimited.
   */
  public TaskOptions<P, R> concurrency(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException(
          "concurrency of task '" + definition.name() + "' must be at least 1, got " + concurrency);
    }
    return new TaskOptions<>(definition, maxAttempts, concurrency);
  }

  public TaskDefinition<P, R> definition() {
    return definition;
  }

  public String name() {
    return definition.name();
  }

  public String queue() {
    return definition.queue();
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /** The concurrency limit, or empty when the task has none. */
  public OptionalInt concurrency() {
    return concurrency == 0 ? OptionalInt.empty() : OptionalInt.of(concurrency);
  }

  @Override
  public String toString() {
    return "TaskOptions["
        + definition.name()
        + ", queue="
        + definition.queue()
        + ", maxAttempts="
        + maxAttempts
        + (concurrency == 0 ? "" : ", concurrency=" + concurrency)
        + "]";
  }
}
