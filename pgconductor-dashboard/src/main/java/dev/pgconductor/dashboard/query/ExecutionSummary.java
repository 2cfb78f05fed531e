package dev.pgconductor.dashboard.query;

import dev.pgconductor.ExecutionState;
import java.time.Instant;

/**
 * One execution as {@link ExecutionQuery#list} lists it: everything but its payload, result and
 * stack trace.
 *
 * @param id the execution's id
 * @param task the task it runs
 * @param queue the queue it is on
 * @param state where it stands
 * @param attempts attempts made so far, the running one included
 * @param priority its claim priority
 * @param dedupeKey its dedupe key, or {@code null}
 * @param parentId the execution that invoked it, or {@code null}
 * @param origin what created it: {@code invoked}, {@code child}, {@code scheduled}, {@code emitted}
 *     or {@code row_changed}
 * @param originName the schedule, event or row change that created it, or {@code null}
 * @param createdAt when it was created
 * @param runAt when it is due; {@code null} once finished and while it waits for a child without a
 *     timeout
 * @param startedAt when its current or last run was claimed, or {@code null}
 * @param finishedAt when it finished, or {@code null}
 * @param lastError the error of its last failed attempt (or why it was cancelled), or {@code null}
 */
public record ExecutionSummary(
    String id,
    String task,
    String queue,
    ExecutionState state,
    int attempts,
    int priority,
    String dedupeKey,
    String parentId,
    String origin,
    String originName,
    Instant createdAt,
    Instant runAt,
    Instant startedAt,
    Instant finishedAt,
    String lastError) {}
