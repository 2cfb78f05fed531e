package dev.pgconductor;

import java.time.Instant;
import java.util.Objects;

/**
 * Options of one invoke: of {@link Conductor#invoke(TaskDefinition, Object, InvokeOptions)}, and of
 * each {@link Invocation} of a batch. Immutable; the {@code with} methods return changed copies.
 *
 * <pre>{@code
 * InvokeOptions.builder().dedupeKey("order-42").priority(10).runAt(Instant.now().plusSeconds(60)).build()
 * InvokeOptions.DEFAULT.withDedupeKey("order-42")
 * }</pre>
 *
 * @param dedupeKey while an execution of the same task with this key has not started, invoking
 *     again returns its id and replaces its payload and options; once one completed, invoking again
 *     returns its id and runs nothing while it is retained (unless the task frees keys on finish);
 *     {@code null} for none
 * @param priority higher runs first within a queue (default 0)
 * @param runAt not run before this instant; {@code null} for now
 */
public record InvokeOptions(String dedupeKey, int priority, Instant runAt) {

  /** No key, priority 0, run now. */
  public static final InvokeOptions DEFAULT = new InvokeOptions(null, 0, null);

  public InvokeOptions {
    if (dedupeKey != null && dedupeKey.isEmpty()) {
      throw new IllegalArgumentException("dedupeKey must not be empty; pass null for none");
    }
  }

  /** A builder, starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder();
  }

  /** These options with another dedupe key ({@code null}: none). */
  public InvokeOptions withDedupeKey(String dedupeKey) {
    return new InvokeOptions(dedupeKey, priority, runAt);
  }

  /** These options with another priority. */
  public InvokeOptions withPriority(int priority) {
    return new InvokeOptions(dedupeKey, priority, runAt);
  }

  /** These options with another due time ({@code null}: now). */
  public InvokeOptions withRunAt(Instant runAt) {
    return new InvokeOptions(dedupeKey, priority, runAt);
  }

  /** Builder of {@link InvokeOptions}. */
  public static final class Builder {
    private InvokeOptions options = DEFAULT;

    private Builder() {}

    /** See {@link InvokeOptions#dedupeKey()}. */
    public Builder dedupeKey(String dedupeKey) {
      options = options.withDedupeKey(dedupeKey);
      return this;
    }

    /** See {@link InvokeOptions#priority()}. */
    public Builder priority(int priority) {
      options = options.withPriority(priority);
      return this;
    }

    /** See {@link InvokeOptions#runAt()}. */
    public Builder runAt(Instant runAt) {
      options = options.withRunAt(runAt);
      return this;
    }

    /** The options. */
    public InvokeOptions build() {
      return Objects.requireNonNull(options);
    }
  }
}
