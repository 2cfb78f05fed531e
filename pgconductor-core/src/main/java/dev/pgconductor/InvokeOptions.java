package dev.pgconductor;

import java.time.Duration;
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
 * @param throttle slots of this length: the first invoke of a slot (per task, and per dedupe key
 *     when one is given) runs, later ones in the slot store nothing and return no id; {@code null}
 *     for none
 * @param debounce slots of this length: the last invoke of a slot (per task, and per dedupe key
 *     when one is given) wins, with its payload, and runs at the start of the next slot; every
 *     invoke of the slot returns its id; {@code null} for none
 */
public record InvokeOptions(
    String dedupeKey, int priority, Instant runAt, Duration throttle, Duration debounce) {

  /** No key, priority 0, run now. */
  public static final InvokeOptions DEFAULT = new InvokeOptions(null, 0, null);

  public InvokeOptions {
    if (dedupeKey != null && dedupeKey.isEmpty()) {
      throw new IllegalArgumentException("dedupeKey must not be empty; pass null for none");
    }
    requirePositive(throttle, "throttle");
    requirePositive(debounce, "debounce");
    if (throttle != null && debounce != null) {
      throw new IllegalArgumentException("an invoke may be throttled or debounced, not both");
    }
    if (debounce != null && runAt != null) {
      throw new IllegalArgumentException(
          "a debounced invoke runs at the start of the next slot; it takes no runAt");
    }
  }

  /** Options without throttle or debounce. */
  public InvokeOptions(String dedupeKey, int priority, Instant runAt) {
    this(dedupeKey, priority, runAt, null, null);
  }

  private static void requirePositive(Duration slot, String what) {
    if (slot != null && (slot.isNegative() || slot.isZero() || slot.toMillis() < 1)) {
      throw new IllegalArgumentException(
          what + " needs a slot of at least a millisecond, got " + slot);
    }
  }

  /** A builder, starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder();
  }

  /** These options with another dedupe key ({@code null}: none). */
  public InvokeOptions withDedupeKey(String dedupeKey) {
    return new InvokeOptions(dedupeKey, priority, runAt, throttle, debounce);
  }

  /** These options with another priority. */
  public InvokeOptions withPriority(int priority) {
    return new InvokeOptions(dedupeKey, priority, runAt, throttle, debounce);
  }

  /** These options with another due time ({@code null}: now). */
  public InvokeOptions withRunAt(Instant runAt) {
    return new InvokeOptions(dedupeKey, priority, runAt, throttle, debounce);
  }

  /** These options throttled to one invoke per slot of {@code slot} ({@code null}: none). */
  public InvokeOptions withThrottle(Duration slot) {
    return new InvokeOptions(dedupeKey, priority, runAt, slot, debounce);
  }

  /** These options debounced over slots of {@code slot} ({@code null}: none). */
  public InvokeOptions withDebounce(Duration slot) {
    return new InvokeOptions(dedupeKey, priority, runAt, throttle, slot);
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

    /** See {@link InvokeOptions#throttle()}. */
    public Builder throttle(Duration slot) {
      options = options.withThrottle(slot);
      return this;
    }

    /** See {@link InvokeOptions#debounce()}. */
    public Builder debounce(Duration slot) {
      options = options.withDebounce(slot);
      return this;
    }

    /** The options. */
    public InvokeOptions build() {
      return Objects.requireNonNull(options);
    }
  }
}
