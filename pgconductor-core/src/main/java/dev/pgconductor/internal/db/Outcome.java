package dev.pgconductor.internal.db;

import java.time.Instant;
import java.util.UUID;

/** How one run of a claimed execution ended, waiting in a worker's buffer to be written back. */
public record Outcome(
    UUID id,
    int lease,
    Kind kind,
    String resultJson,
    String error,
    String stack,
    int maxAttempts,
    Instant runAt,
    String step,
    Child child,
    int attempt,
    boolean hasSteps) {

  /** A child execution a waiting parent creates with its wait; {@code payloadJson} null: exists. */
  public record Child(UUID id, String task, String queue, String payloadJson) {}

  /** Outcome kinds, with the code {@code pgconductor.flush} understands. */
  public enum Kind {
    /** Finished with a result. */
    COMPLETED("c"),
    /** The attempt failed; retried until max attempts (0: final at once). */
    FAILED("f"),
    /** Back to the queue after its handler ran (a stop); the attempt is not counted. */
    RELEASED("r"),
    /** Back to the queue before its handler started: it is as if it had never been claimed. */
    UNSTARTED("u"),
    /** Released until {@code runAt} (a durable sleep). */
    SLEEPING("s"),
    /** Released until the child of {@code step} finishes, or {@code runAt} (a timeout). */
    WAITING("w"),
    /** Cancelled while running. */
    CANCELLED("x");

    final String code;

    Kind(String code) {
      this.code = code;
    }
  }

  /** This outcome, noting whether the execution has recorded steps (removed when it finishes). */
  public Outcome withSteps(boolean steps) {
    return steps == hasSteps
        ? this
        : new Outcome(
            id,
            lease,
            kind,
            resultJson,
            error,
            stack,
            maxAttempts,
            runAt,
            step,
            child,
            attempt,
            steps);
  }

  public static Outcome completed(Claimed c, String resultJson) {
    return new Outcome(
        c.id(), c.lease(), Kind.COMPLETED, resultJson, null, null, 0, null, null, null, 0, false);
  }

  public static Outcome failed(Claimed c, String error, String stack, int maxAttempts) {
    return new Outcome(
        c.id(),
        c.lease(),
        Kind.FAILED,
        null,
        error,
        stack,
        maxAttempts,
        null,
        null,
        null,
        0,
        false);
  }

  public static Outcome released(Claimed c) {
    return new Outcome(
        c.id(), c.lease(), Kind.RELEASED, null, null, null, 0, null, null, null, 0, false);
  }

  public static Outcome unstarted(Claimed c) {
    return new Outcome(
        c.id(), c.lease(), Kind.UNSTARTED, null, null, null, 0, null, null, null, 0, false);
  }

  public static Outcome sleeping(Claimed c, Instant until) {
    return new Outcome(
        c.id(), c.lease(), Kind.SLEEPING, null, null, null, 0, until, null, null, 0, false);
  }

  public static Outcome waiting(Claimed c, String step, Instant deadline, Child child) {
    return new Outcome(
        c.id(),
        c.lease(),
        Kind.WAITING,
        null,
        null,
        null,
        0,
        deadline,
        step,
        child,
        c.attempt(),
        false);
  }

  public static Outcome cancelled(Claimed c) {
    return new Outcome(
        c.id(), c.lease(), Kind.CANCELLED, null, null, null, 0, null, null, null, 0, false);
  }
}
