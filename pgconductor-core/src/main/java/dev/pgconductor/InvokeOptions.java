package dev.pgconductor;

import java.time.Instant;

/**
 * Options of one {@code invoke}.
 *
 * <pre>{@code
 * InvokeOptions.builder().dedupeKey("order-42").priority(10).runAt(Instant.now().plusSeconds(60)).build()
 * }</pre>
 *
 * @param dedupeKey while an execution of the same task with this key has not started, invoking
 *     again returns its id and replaces its payload and options (SPEC INV-3); {@code null} for none
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

  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link InvokeOptions}. */
  public static final class Builder {
    private String dedupeKey;
    private int priority;
    private Instant runAt;

    private Builder() {}

    public Builder dedupeKey(String dedupeKey) {
      this.dedupeKey = dedupeKey;
      return this;
    }

    public Builder priority(int priority) {
      this.priority = priority;
      return this;
    }

    public Builder runAt(Instant runAt) {
      this.runAt = runAt;
      return this;
    }

    public InvokeOptions build() {
      return new InvokeOptions(dedupeKey, priority, runAt);
    }
  }
}
