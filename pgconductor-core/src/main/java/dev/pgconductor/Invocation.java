package dev.pgconductor;

import java.time.Instant;
import java.util.Objects;

/**
 * One element of {@link Conductor#invokeBatch}: a payload with its own {@link InvokeOptions}.
 *
 * <pre>{@code
 * List.of(Invocation.of(new Greet("a")).dedupeKey("a"), Invocation.of(new Greet("b")).priority(10))
 * }</pre>
 *
 * @param payload the payload
 * @param options its options
 * @param <P> payload type
 */
public record Invocation<P>(P payload, InvokeOptions options) {

  public Invocation {
    Objects.requireNonNull(options, "options");
  }

  /** The payload with default options. */
  public static <P> Invocation<P> of(P payload) {
    return new Invocation<>(payload, InvokeOptions.DEFAULT);
  }

  /** The payload with these options. */
  public static <P> Invocation<P> of(P payload, InvokeOptions options) {
    return new Invocation<>(payload, options);
  }

  /** This invocation with a dedupe key; see {@link InvokeOptions#dedupeKey()}. */
  public Invocation<P> dedupeKey(String dedupeKey) {
    return new Invocation<>(payload, options.withDedupeKey(dedupeKey));
  }

  /** This invocation with a priority; see {@link InvokeOptions#priority()}. */
  public Invocation<P> priority(int priority) {
    return new Invocation<>(payload, options.withPriority(priority));
  }

  /** This invocation due at an instant; see {@link InvokeOptions#runAt()}. */
  public Invocation<P> runAt(Instant runAt) {
    return new Invocation<>(payload, options.withRunAt(runAt));
  }
}
