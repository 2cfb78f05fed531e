package dev.pgconductor;

import java.time.Instant;

/**
 * One element of {@link Conductor#invokeBatch}: a payload with its own options.
 *
 * <pre>{@code
 * List.of(Invocation.of(new Greet("a")).dedupeKey("a"), Invocation.of(new Greet("b")).priority(10))
 * }</pre>
 *
 * @param payload the payload
 * @param dedupeKey see {@link InvokeOptions#dedupeKey()}
 * @param priority see {@link InvokeOptions#priority()}
 * @param runAt see {@link InvokeOptions#runAt()}
 */
public record Invocation<P>(P payload, String dedupeKey, int priority, Instant runAt) {

  public Invocation {
    if (dedupeKey != null && dedupeKey.isEmpty()) {
      throw new IllegalArgumentException("dedupeKey must not be empty; pass null for none");
    }
  }

  /** The payload with default options. */
  public static <P> Invocation<P> of(P payload) {
    return new Invocation<>(payload, null, 0, null);
  }

  public Invocation<P> dedupeKey(String dedupeKey) {
    return new Invocation<>(payload, dedupeKey, priority, runAt);
  }

  public Invocation<P> priority(int priority) {
    return new Invocation<>(payload, dedupeKey, priority, runAt);
  }

  public Invocation<P> runAt(Instant runAt) {
    return new Invocation<>(payload, dedupeKey, priority, runAt);
  }
}
