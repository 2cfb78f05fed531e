package dev.pgconductor.internal.db;

import java.time.Instant;
import java.util.UUID;

/**
 * How one run of a claimed execution ended, waiting in a worker's buffer to be written back by
 * {@code pgconductor.flush} (a {@code pgconductor.outcome} row each, see {@link OutcomeBatch}).
 * Every variant knows its claim (the id and the lease the write must present) and whether the
 * execution has recorded steps, which are removed when it finishes.
 */
public sealed interface Outcome {
  /** The claim this run belonged to. */
  Claimed claimed();

  /** Whether the execution has recorded steps (loaded with the claim or recorded in this run). */
  boolean hasSteps();

  default UUID id() {
    return claimed().id();
  }

  /** Finished with a result (JSON). */
  record Completed(Claimed claimed, boolean hasSteps, String resultJson) implements Outcome {}

  /**
   * The attempt failed; retried until {@code maxAttempts} (0: final at once), after {@code
   * retryDelay} (null: the schema's default backoff).
   */
  record Failed(
      Claimed claimed,
      boolean hasSteps,
      String error,
      String stack,
      int maxAttempts,
      java.time.Duration retryDelay)
      implements Outcome {
    /** A failure retried after the schema's default backoff. */
    public Failed(Claimed claimed, boolean hasSteps, String error, String stack, int maxAttempts) {
      this(claimed, hasSteps, error, stack, maxAttempts, null);
    }
  }

  /** Handed back after its handler ran (a stop or a lost lease); the attempt is not counted. */
  record Released(Claimed claimed, boolean hasSteps) implements Outcome {}

  /**
   * Handed back by a stop while its handler still ran after the grace period: an abandoned run. The
   * first few of an execution are not counted as attempts; later ones count against {@code
   * maxAttempts} (see {@code pgconductor.free_abandoned_runs}).
   */
  record Interrupted(Claimed claimed, boolean hasSteps, String error, int maxAttempts)
      implements Outcome {}

  /** Handed back before its handler started: as if it had never been claimed. */
  record Unstarted(Claimed claimed) implements Outcome {
    @Override
    public boolean hasSteps() {
      return claimed.stepsJson() != null;
    }
  }

  /** A durable sleep: due again at {@code until}. */
  record Sleeping(Claimed claimed, boolean hasSteps, Instant until) implements Outcome {}

  /**
   * Waits for the child of {@code step} until {@code deadline} (null: for ever); the flush creates
   * {@code child} when it has a payload.
   */
  record Waiting(Claimed claimed, boolean hasSteps, String step, Instant deadline, Child child)
      implements Outcome {}

  /** Ended by a cancellation while it ran (or before its claimed run started). */
  record Cancelled(Claimed claimed, boolean hasSteps) implements Outcome {}

  /**
   * A child execution a waiting parent creates with its wait; {@code payloadJson} null: exists.
   * {@code traceContext}: the trace context to store with a new child (JSON headers), or null.
   */
  record Child(UUID id, String task, String queue, String payloadJson, String traceContext) {
    /** Without a trace context. */
    public Child(UUID id, String task, String queue, String payloadJson) {
      this(id, task, queue, payloadJson, null);
    }
  }
}
