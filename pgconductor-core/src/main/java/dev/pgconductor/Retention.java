package dev.pgconductor;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long finished executions of a task are kept: for ever (the default), for a while, or not at
 * all. Set with {@link TaskOptions#removeOnComplete} and {@link TaskOptions#removeOnFail}.
 *
 * <pre>{@code
 * TaskOptions.of(GREET).removeOnComplete(Duration.ofDays(7))      // kept a week after completing
 * TaskOptions.of(PING).removeOnComplete(Retention.immediately())  // gone as it completes
 * TaskOptions.of(AUDIT).removeOnFail(Retention.forever())        // the default, said out loud
 * }</pre>
 *
 * <p>An execution kept for a while is removed by the daily maintenance of its queue once the time
 * has passed since it finished; one removed immediately is not kept once its run ends. Removing an
 * execution frees its dedupe key. See docs/retention.md.
 */
public final class Retention {
  private static final Retention FOREVER = new Retention(null);
  private static final Retention IMMEDIATELY = new Retention(Duration.ZERO);

  private final Duration keep; // null: for ever

  private Retention(Duration keep) {
    this.keep = keep;
  }

  /** Finished executions are kept until someone removes them (the default). */
  public static Retention forever() {
    return FOREVER;
  }

  /** Finished executions are removed as they finish. */
  public static Retention immediately() {
    return IMMEDIATELY;
  }

  /**
   * Finished executions are kept this long after they finished, then removed by maintenance.
   *
   * @throws IllegalArgumentException when the duration is negative
   */
  public static Retention after(Duration keep) {
    Objects.requireNonNull(keep, "keep");
    if (keep.isNegative()) {
      throw new IllegalArgumentException("a retention may not be negative, got " + keep);
    }
    return keep.isZero() ? IMMEDIATELY : new Retention(keep);
  }

  /** How long finished executions are kept, or empty when they are kept for ever. */
  public Optional<Duration> duration() {
    return Optional.ofNullable(keep);
  }

  /** Whether finished executions are kept for ever. */
  public boolean isForever() {
    return keep == null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Retention other && Objects.equals(keep, other.keep);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(keep);
  }

  @Override
  public String toString() {
    return keep == null
        ? "Retention.forever()"
        : keep.isZero() ? "Retention.immediately()" : "Retention.after(" + keep + ")";
  }
}
