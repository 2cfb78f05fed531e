package dev.pgconductor;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a failed execution waits before its next attempt, and which failures are not retried at
 * all ({@link TaskOptions#retry(RetryPolicy)}). The number of attempts stays {@link
 * TaskOptions#maxAttempts(int)}.
 *
 * <pre>{@code
 * TaskOptions.of(SYNC).maxAttempts(8).retry(
 *     RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofMinutes(10))
 *         .withJitter(0.2)
 *         .notRetrying(IllegalArgumentException.class))
 * }</pre>
 *
 * <p>Policies are immutable values.
 */
public final class RetryPolicy {
  /** The default: 15 s after the first failed attempt, 30 s after the second, then 60 s. */
  public static final RetryPolicy DEFAULT =
      fixed(Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(60));

  /** The longest wait a policy gives: longer ones are cut to this. */
  public static final Duration MAX_DELAY = Duration.ofDays(7);

  private final List<Duration> steps; // fixed: one per failed attempt, the last repeating
  private final Duration initial; // exponential
  private final double factor;
  private final Duration cap;
  private final double jitter;
  private final boolean retries;
  private final List<Class<? extends Throwable>> notRetried;

  private RetryPolicy(
      List<Duration> steps,
      Duration initial,
      double factor,
      Duration cap,
      double jitter,
      boolean retries,
      List<Class<? extends Throwable>> notRetried) {
    this.steps = steps;
    this.initial = initial;
    this.factor = factor;
    this.cap = cap;
    this.jitter = jitter;
    this.retries = retries;
    this.notRetried = List.copyOf(notRetried);
  }

  /**
   * Waits {@code steps[0]} after the first failed attempt, {@code steps[1]} after the second, and
   * the last step after every later one.
   */
  public static RetryPolicy fixed(Duration... steps) {
    if (steps.length == 0) {
      throw new IllegalArgumentException("fixed(...) needs at least one wait");
    }
    for (Duration step : steps) {
      requireNotNegative(step, "a wait");
    }
    return new RetryPolicy(List.of(steps), null, 0, null, 0, true, List.of());
  }

  /**
   * Waits {@code initial} after the first failed attempt and twice as long after each further one,
   * never more than {@code cap}.
   */
  public static RetryPolicy exponential(Duration initial, Duration cap) {
    return exponential(initial, 2.0, cap);
  }

  /**
   * Waits {@code initial} after the first failed attempt and {@code factor} times as long after
   * each further one, never more than {@code cap}.
   */
  public static RetryPolicy exponential(Duration initial, double factor, Duration cap) {
    requireNotNegative(initial, "initial");
    requireNotNegative(cap, "cap");
    if (!(factor >= 1.0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be at least 1, got " + factor);
    }
    if (cap.compareTo(initial) < 0) {
      throw new IllegalArgumentException("cap " + cap + " is shorter than initial " + initial);
    }
    return new RetryPolicy(null, initial, factor, cap, 0, true, List.of());
  }

  /**
   * Never retries: the first failed attempt fails the execution for good, whatever {@code
   * maxAttempts} says.
   */
  public static RetryPolicy none() {
    return new RetryPolicy(List.of(Duration.ZERO), null, 0, null, 0, false, List.of());
  }

  /**
   * This policy with each wait drawn at random within {@code ±fraction} of it ({@code 0.2}: 80% to
   * 120%), so executions that failed together do not all retry at the same moment.
   */
  public RetryPolicy withJitter(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("jitter must be between 0 and 1, got " + fraction);
    }
    return new RetryPolicy(steps, initial, factor, cap, fraction, retries, notRetried);
  }

  /**
   * This policy, except that a failure caused by one of these exception types (or a subtype,
   * anywhere in the cause chain) is not retried: the execution fails for good at once. For errors
   * no later attempt can change, such as invalid input.
   */
  @SafeVarargs
  public final RetryPolicy notRetrying(Class<? extends Throwable>... types) {
    List<Class<? extends Throwable>> all = new java.util.ArrayList<>(notRetried);
    for (Class<? extends Throwable> type : types) {
      all.add(Objects.requireNonNull(type, "type"));
    }
    return new RetryPolicy(steps, initial, factor, cap, jitter, retries, all);
  }

  /**
   * The wait before the next attempt after {@code failedAttempts} attempts failed (the last with
   * {@code failure}), or empty when this failure is not to be retried.
   */
  public Optional<Duration> delay(int failedAttempts, Throwable failure) {
    if (!retries) {
      return Optional.empty();
    }
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (Class<? extends Throwable> type : notRetried) {
        if (type.isInstance(t)) {
          return Optional.empty();
        }
      }
    }
    int n = Math.max(1, failedAttempts);
    Duration base;
    if (steps != null) {
      base = steps.get(Math.min(n, steps.size()) - 1);
    } else {
      double millis = initial.toMillis() * Math.pow(factor, n - 1);
      base = millis >= cap.toMillis() ? cap : Duration.ofMillis((long) millis);
    }
    if (jitter > 0) {
      double spread = 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
      base = Duration.ofMillis(Math.round(base.toMillis() * spread));
    }
    return Optional.of(base.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : base);
  }

  private static void requireNotNegative(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, got " + d);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryPolicy other
        && Objects.equals(steps, other.steps)
        && Objects.equals(initial, other.initial)
        && factor == other.factor
        && Objects.equals(cap, other.cap)
        && jitter == other.jitter
        && retries == other.retries
        && notRetried.equals(other.notRetried);
  }

  @Override
  public int hashCode() {
    return Objects.hash(steps, initial, factor, cap, jitter, retries, notRetried);
  }

  @Override
  public String toString() {
    String kind =
        !retries
            ? "none"
            : steps != null
                ? "fixed" + steps
                : "exponential[" + initial + " x" + factor + " up to " + cap + "]";
    return "RetryPolicy["
        + kind
        + (jitter > 0 ? ", jitter " + jitter : "")
        + (notRetried.isEmpty() ? "" : ", not retrying " + notRetried)
        + "]";
  }
}
