package dev.pgconductor.dashboard.query;

import java.time.Instant;

/**
 * A task as the orchestrators that serve it registered it ({@code pgconductor.tasks}).
 *
 * @param name the task's name
 * @param queue the queue its executions go to
 * @param maxAttempts attempts before an execution fails for good
 * @param invocable whether it may be invoked (it has an invocable trigger)
 * @param concurrency its concurrency limit across all workers, or {@code null} when unlimited
 * @param updatedAt when it was last registered
 */
public record TaskInfo(
    String name,
    String queue,
    int maxAttempts,
    boolean invocable,
    Integer concurrency,
    Instant updatedAt) {}
