package dev.pgconductor.internal.worker;

import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.Outcome;
import java.time.Instant;

/**
 * Ends a handler's current run from inside a context call (sleep, child invoke, a release or
 * cancellation at a step boundary or checkpoint, a lost lease). An {@link Error}, so user code that
 * catches {@code Exception} lets it through; without a stack trace, since it is control flow.
 */
final class Suspension extends Error {
  private static final long serialVersionUID = 1L;

  enum Kind {
    SLEEP,
    WAIT_CHILD,
    RELEASE,
    CANCEL,
    LEASE_LOST
  }

  private final Kind kind;
  private final Instant until;
  private final String step;
  private final Outcome.Child child;

  private Suspension(Kind kind, Instant until, String step, Outcome.Child child, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.until = until;
    this.step = step;
    this.child = child;
  }

  static Suspension sleep(String step, Instant until) {
    return new Suspension(
        Kind.SLEEP, until, step, null, "sleeping in step '" + step + "' until " + until);
  }

  /** Its task's time window closed: the run sleeps until it opens (no step is recorded). */
  static Suspension outsideWindow(dev.pgconductor.TimeWindow window, Instant opens) {
    return new Suspension(
        Kind.SLEEP, opens, null, null, "outside the time window " + window + " until " + opens);
  }

  /** Waits for the child of {@code step}; the flush creates {@code child} if it has a payload. */
  static Suspension waitForChild(String step, Instant deadline, Outcome.Child child) {
    return new Suspension(
        Kind.WAIT_CHILD, deadline, step, child, "waiting for the child of step '" + step + "'");
  }

  static Suspension release(String reason) {
    return new Suspension(Kind.RELEASE, null, null, null, reason);
  }

  static Suspension cancel() {
    return new Suspension(Kind.CANCEL, null, null, null, "cancelled");
  }

  static Suspension leaseLost() {
    return new Suspension(
        Kind.LEASE_LOST,
        null,
        null,
        null,
        "this worker no longer holds the execution (declared dead)");
  }

  Kind kind() {
    return kind;
  }

  /** The outcome this suspension writes back. */
  Outcome outcome(Claimed claimed, boolean hasSteps) {
    return switch (kind) {
      case SLEEP -> new Outcome.Sleeping(claimed, hasSteps, until);
      case WAIT_CHILD -> new Outcome.Waiting(claimed, hasSteps, step, until, child);
      case CANCEL -> new Outcome.Cancelled(claimed, hasSteps);
      case RELEASE, LEASE_LOST -> new Outcome.Released(claimed, hasSteps);
    };
  }
}
