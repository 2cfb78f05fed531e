package dev.pgconductor.dashboard.query;

import dev.pgconductor.ExecutionState;
import java.time.Instant;

/**
 * Which executions {@link ExecutionQuery#list} returns. Every field but {@code limit} may be {@code
 * null} for "any".
 *
 * @param task only executions of this task
 * @param queue only executions on this queue
 * @param state only executions in this state
 * @param dedupeKey only executions invoked with this dedupe key
 * @param since only executions created at or after this instant
 * @param until only executions created before this instant
 * @param after keyset cursor: only executions older than this one (the {@link
 *     ExecutionPage#nextCursor} of the previous page, or any execution id)
 * @param limit at most this many executions (1 to 1000)
 */
public record ExecutionFilter(
    String task,
    String queue,
    ExecutionState state,
    String dedupeKey,
    Instant since,
    Instant until,
    String after,
    int limit) {

  /** The default page size. */
  public static final int DEFAULT_LIMIT = 50;

  /** Checks the limit and the cursor. */
  public ExecutionFilter {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("the limit must be between 1 and 1000, got " + limit);
    }
    if (after != null) {
      Jdbc.executionId(after); // fails early, with a clear message
    }
  }

  /** Every execution, newest first, {@value #DEFAULT_LIMIT} at a time. */
  public static ExecutionFilter all() {
    return new ExecutionFilter(null, null, null, null, null, null, null, DEFAULT_LIMIT);
  }

  /** This filter for the next page. */
  public ExecutionFilter after(String cursor) {
    return new ExecutionFilter(task, queue, state, dedupeKey, since, until, cursor, limit);
  }
}
