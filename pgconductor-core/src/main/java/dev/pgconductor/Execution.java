package dev.pgconductor;

import java.time.Instant;

/**
 * A snapshot of one execution, as read by {@link Conductor#getExecution} and {@link
 * Conductor#getChildren}. The payload and result are decoded with the task's definition when the
 * Conductor knows the task, else left as Jackson {@code JsonNode}s.
 *
 * @param id execution id
 * @param taskName task it runs
 * @param queue queue it is on
 * @param state where it stands
 * @param attempts attempts started so far (the running one included)
 * @param priority its priority
 * @param dedupeKey its dedupe key, or {@code null}
 * @param parentId the execution that invoked it, or {@code null}
 * @param origin what created it
 * @param payload the payload it runs with
 * @param lastError message of the last failed attempt (or why it was cancelled), or {@code null}
 * @param lastErrorStack stack trace of the last failed attempt, or {@code null}
 * @param createdAt when it was created
 * @param runAt when it is due (pending) or was last due; {@code null} while it waits without a
 *     deadline, and once it finished
 * @param startedAt when the current or last attempt started, or {@code null}
 * @param finishedAt when it finished, or {@code null}
 * @param result its result once {@link ExecutionState#COMPLETED}, else {@code null}
 * @param <P> payload type
 * @param <R> result type
 */
public record Execution<P, R>(
    String id,
    String taskName,
    String queue,
    ExecutionState state,
    int attempts,
    int priority,
    String dedupeKey,
    String parentId,
    Origin origin,
    P payload,
    String lastError,
    String lastErrorStack,
    Instant createdAt,
    Instant runAt,
    Instant startedAt,
    Instant finishedAt,
    R result) {}
