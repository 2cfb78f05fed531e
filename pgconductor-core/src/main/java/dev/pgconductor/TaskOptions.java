package dev.pgconductor;

import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * How a handler runs a task: which definition it serves, how often it is attempted and how many of
 * its executions may run at once. Immutable; every setter returns a changed copy.
 *
 * <pre>{@code
 * TaskOptions.of(GREET).maxAttempts(5)
 * TaskOptions.of(CHARGE).concurrency(2)            // at most 2 running, across all orchestrators
 * TaskOptions.named("send-digest").queue("mail")   // a task without payload or result
 * TaskOptions.of(EXPORT).timeout(Duration.ofMinutes(10))
 * TaskOptions.of(GREET).removeOnComplete(Duration.ofDays(7))
 * TaskOptions.named("send-digest").window("09:00", "17:00")  // office hours, UTC
 * }</pre>
 *
 * @param <P> payload type
 * @param <R> result type
 */
public final class TaskOptions<P, R> {
  /** Attempts made when none is set. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  private final Values<P, R> values;

  /** The options' fields, copied and changed by each setter; checked when the copy is made. */
  private static final class Values<P, R> implements Cloneable {
    TaskDefinition<P, R> definition;
    int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    int concurrency; // 0: unlimited
    Duration timeout; // null: none
    boolean freesDedupeKey; // a completed execution frees its dedupe key too
    RetryPolicy retry = RetryPolicy.DEFAULT;
    Retention keepCompleted = Retention.forever();
    Retention keepFailed = Retention.forever();
    TimeWindow window; // null: any time
    Batch batch; // null: one execution per run

    @SuppressWarnings("unchecked")
    Values<P, R> copy() {
      try {
        return (Values<P, R>) clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private TaskOptions(Values<P, R> values) {
    Objects.requireNonNull(values.definition, "definition");
    String task = values.definition.name();
    if (values.maxAttempts < 1) {
      throw new IllegalArgumentException(
          "maxAttempts of task '" + task + "' must be at least 1, got " + values.maxAttempts);
    }
    if (values.concurrency < 0) {
      throw new IllegalArgumentException(
          "concurrency of task '" + task + "' must be at least 1, got " + values.concurrency);
    }
    this.values = values;
  }

  private TaskOptions<P, R> with(Consumer<Values<P, R>> change) {
    Values<P, R> copy = values.copy();
    change.accept(copy);
    return new TaskOptions<>(copy);
  }

  /** Options for a defined task. */
  public static <P, R> TaskOptions<P, R> of(TaskDefinition<P, R> definition) {
    Values<P, R> values = new Values<>();
    values.definition = definition;
    return new TaskOptions<>(values);
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
    return with(v -> v.definition = v.definition.onQueue(queue));
  }

  /** Attempts before an execution fails for good (default 3). */
  public TaskOptions<P, R> maxAttempts(int maxAttempts) {
    return with(v -> v.maxAttempts = maxAttempts);
  }

  /**
   * At most this many executions of the task hold a claim at once, across all workers and
   * orchestrators; the others wait in the queue. An execution holds its place from its claim until
   * its outcome is written, and gives it up while it sleeps or waits for a child. Default:
   * unlimited.
   */
  public TaskOptions<P, R> concurrency(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException(
          "concurrency of task '" + name() + "' must be at least 1, got " + concurrency);
    }
    return with(v -> v.concurrency = concurrency);
  }

  /**
   * How long one run of the handler may take: from the start of the run until it returns, fails,
   * sleeps or waits for a child. A run that takes longer fails its attempt with a timeout error
   * (and is retried if attempts are left). Its thread is interrupted; whether or not the handler
   * reacts, the run is over at once: its slot is free, and anything it writes later (a step, a
   * sleep, a child, its result) is rejected. A handler that ignores interrupts keeps its thread
   * until it returns. Default: none.
   */
  public TaskOptions<P, R> timeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "timeout of task '" + name() + "' must be positive, got " + timeout);
    }
    return with(v -> v.timeout = timeout);
  }

  /**
   * A finished execution frees its dedupe key whatever its end, so invoking again with the key
   * after it completed runs the task again. By default a completed execution keeps its key while it
   * is retained: invoking again answers with its id and runs nothing, as a webhook delivered twice
   * should be processed once. Failed and cancelled executions always free their key.
   */
  public TaskOptions<P, R> freeDedupeKeyOnFinish() {
    return with(v -> v.freesDedupeKey = true);
  }

  /**
   * How long a failed execution waits before its next attempt, and which failures are not retried
   * (default {@link RetryPolicy#DEFAULT}: 15 s, 30 s, then 60 s). Attempts stay limited by {@link
   * #maxAttempts(int)}.
   */
  public TaskOptions<P, R> retry(RetryPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return with(v -> v.retry = policy);
  }

  /**
   * How long completed executions are kept: removed by the queue's daily maintenance once this long
   * has passed since they completed. Default: kept for ever. Same as {@code
   * removeOnComplete(Retention.after(keep))}.
   */
  public TaskOptions<P, R> removeOnComplete(Duration keep) {
    return removeOnComplete(Retention.after(keep));
  }

  /**
   * How long completed executions are kept: for ever (the default), for a while ({@link
   * Retention#after}) or not at all ({@link Retention#immediately()}). Removing a completed
   * execution frees its dedupe key.
   */
  public TaskOptions<P, R> removeOnComplete(Retention retention) {
    Objects.requireNonNull(retention, "retention");
    return with(v -> v.keepCompleted = retention);
  }

  /**
   * How long failed and cancelled executions are kept: removed by the queue's daily maintenance
   * once this long has passed since they ended. Default: kept for ever. Same as {@code
   * removeOnFail(Retention.after(keep))}.
   */
  public TaskOptions<P, R> removeOnFail(Duration keep) {
    return removeOnFail(Retention.after(keep));
  }

  /**
   * How long failed and cancelled executions are kept: for ever (the default), for a while ({@link
   * Retention#after}) or not at all ({@link Retention#immediately()}).
   */
  public TaskOptions<P, R> removeOnFail(Retention retention) {
    Objects.requireNonNull(retention, "retention");
    return with(v -> v.keepFailed = retention);
  }

  /**
   * Executions of the task run only between {@code from} and {@code to} each day, local times of
   * {@code zone}; a window whose start is later than its end wraps midnight. Outside it, pending
   * executions wait in the queue without taking a worker's slot or holding up other tasks, and a
   * running one is released at its next step or checkpoint and resumes where it was when the window
   * opens. Default: any time.
   *
   * @throws IllegalArgumentException when {@code from} equals {@code to}
   */
  public TaskOptions<P, R> window(LocalTime from, LocalTime to, ZoneId zone) {
    TimeWindow window = new TimeWindow(from, to, zone);
    return with(v -> v.window = window);
  }

  /**
   * A time window in UTC, as {@code "HH:MM"} (or {@code "HH:MM:SS"}) strings; see {@link
   * #window(LocalTime, LocalTime, ZoneId)}.
   *
   * @throws IllegalArgumentException when a time cannot be read, or both are equal
   */
  public TaskOptions<P, R> window(String from, String to) {
    return window(time(from, "start"), time(to, "end"), ZoneOffset.UTC);
  }

  private LocalTime time(String text, String which) {
    Objects.requireNonNull(text, which);
    try {
      return LocalTime.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "the window "
              + which
              + " of task '"
              + name()
              + "' is not a time of day as HH:MM: '"
              + text
              + "'",
          e);
    }
  }

  /**
   * How a batch task ({@link Conductor#createBatchTask}) gathers its executions: a batch of up to
   * {@code size} runs as soon as that many are ready, and a smaller one once its first execution
   * has waited {@code maxWait} for others. Only for {@link Conductor#createBatchTask}, which
   * requires it; {@link Conductor#createTask} refuses options with a batch.
   *
   * @param size the most executions one handler call gets (1 to {@value #MAX_BATCH_SIZE})
   * @param maxWait how long a worker holds a batch that is not full before it runs it (zero: run
   *     whatever one claim found)
   * @throws IllegalArgumentException when the size or the wait is out of range
   */
  public TaskOptions<P, R> batch(int size, Duration maxWait) {
    Batch batch = new Batch(size, maxWait);
    return with(v -> v.batch = batch);
  }

  /** The largest batch size. */
  public static final int MAX_BATCH_SIZE = 1_000;

  /**
   * The batching of a batch task.
   *
   * @param size the most executions one handler call gets
   * @param maxWait how long a batch that is not full waits for more
   */
  public record Batch(int size, Duration maxWait) {
    /**
     * @throws IllegalArgumentException when the size is not within 1 to {@value
     *     TaskOptions#MAX_BATCH_SIZE} or the wait is negative
     */
    public Batch {
      Objects.requireNonNull(maxWait, "maxWait");
      if (size < 1 || size > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException(
            "a batch size must be between 1 and " + MAX_BATCH_SIZE + ", got " + size);
      }
      if (maxWait.isNegative()) {
        throw new IllegalArgumentException("a batch's maxWait may not be negative, got " + maxWait);
      }
    }
  }

  /** The task definition these options are for. */
  public TaskDefinition<P, R> definition() {
    return values.definition;
  }

  /** The task's name. */
  public String name() {
    return values.definition.name();
  }

  /** The task's queue. */
  public String queue() {
    return values.definition.queue();
  }

  /** Attempts before an execution fails for good. */
  public int maxAttempts() {
    return values.maxAttempts;
  }

  /** The concurrency limit, or empty when the task has none. */
  public OptionalInt concurrency() {
    return values.concurrency == 0 ? OptionalInt.empty() : OptionalInt.of(values.concurrency);
  }

  /** The timeout of one run of the handler, or empty when the task has none. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(values.timeout);
  }

  /** The retry policy. */
  public RetryPolicy retryPolicy() {
    return values.retry;
  }

  /** Whether a completed execution frees its dedupe key ({@link #freeDedupeKeyOnFinish()}). */
  public boolean freesDedupeKeyOnFinish() {
    return values.freesDedupeKey;
  }

  /** The batching of a batch task, or empty for an ordinary task. */
  public Optional<Batch> batch() {
    return Optional.ofNullable(values.batch);
  }

  /** The time window of the task, or empty when it runs at any time. */
  public Optional<TimeWindow> window() {
    return Optional.ofNullable(values.window);
  }

  /** How long completed executions are kept ({@link #removeOnComplete(Retention)}). */
  public Retention completedRetention() {
    return values.keepCompleted;
  }

  /** How long failed and cancelled executions are kept ({@link #removeOnFail(Retention)}). */
  public Retention failedRetention() {
    return values.keepFailed;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TaskOptions<?, ?> other
        && values.definition.equals(other.values.definition)
        && values.maxAttempts == other.values.maxAttempts
        && values.concurrency == other.values.concurrency
        && Objects.equals(values.timeout, other.values.timeout)
        && values.freesDedupeKey == other.values.freesDedupeKey
        && values.retry.equals(other.values.retry)
        && values.keepCompleted.equals(other.values.keepCompleted)
        && values.keepFailed.equals(other.values.keepFailed)
        && Objects.equals(values.window, other.values.window)
        && Objects.equals(values.batch, other.values.batch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        values.definition,
        values.maxAttempts,
        values.concurrency,
        values.timeout,
        values.freesDedupeKey,
        values.retry,
        values.keepCompleted,
        values.keepFailed,
        values.window,
        values.batch);
  }

  @Override
  public String toString() {
    return "TaskOptions["
        + name()
        + ", queue="
        + queue()
        + ", maxAttempts="
        + values.maxAttempts
        + (values.concurrency == 0 ? "" : ", concurrency=" + values.concurrency)
        + (values.timeout == null ? "" : ", timeout=" + values.timeout)
        + (values.freesDedupeKey ? ", freeDedupeKeyOnFinish" : "")
        + (values.retry == RetryPolicy.DEFAULT ? "" : ", retry=" + values.retry)
        + (values.keepCompleted.isForever() ? "" : ", removeOnComplete=" + values.keepCompleted)
        + (values.keepFailed.isForever() ? "" : ", removeOnFail=" + values.keepFailed)
        + (values.window == null ? "" : ", window=" + values.window)
        + (values.batch == null ? "" : ", batch=" + values.batch)
        + "]";
  }
}
