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

  private Suspension(Kind kind, Instant until, String step, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.until = until;
    this.step = step;
  }

  static Suspension sleep(String step, Instant until) {
    return new Suspension(Kind.SLEEP, until, step, "sleeping in step '" + step + "' until " + until);
  }

  static Suspension waitForChild(String step, Instant deadline) {
    return new Suspension(Kind.WAIT_CHILD, deadline, step, "waiting for the child of step '" + step + "'");
  }

  static Suspension release(String reason) {
    return new Suspension(Kind.RELEASE, null, null, reason);
  }

  static Suspension cancel() {
    return new Suspension(Kind.CANCEL, null, null, "cancelled");
  }

  static Suspension leaseLost() {
    return new Suspension(
        Kind.LEASE_LOST, null, null, "this worker no longer holds the execution (declared dead)");
  }

  Kind kind() {
    return kind;
  }

  /** The outcome this suspension writes back. */
  Outcome outcome(Claimed claimed) {
    return switch (kind) {
      case SLEEP -> Outcome.sleeping(claimed, until);
      case WAIT_CHILD -> Outcome.waiting(claimed, step, until);
      case CANCEL -> Outcome.cancelled(claimed);
      case RELEASE, LEASE_LOST -> Outcome.released(claimed);
    };
  }
}
