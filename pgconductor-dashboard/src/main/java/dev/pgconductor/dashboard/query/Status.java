package dev.pgconductor.dashboard.query;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What {@link StatusQuery} reads: the queues and the registered orchestrators.
 *
 * @param at the database's clock when it was read; ages are measured from it
 * @param window how far back the finished counts of each queue reach
 * @param queues every queue that has a partition, unfinished or recently finished executions, or a
 *     worker, by name
 * @param orchestrators the registered orchestrators, oldest first
 */
public record Status(
    Instant at,
    Duration window,
    List<QueueStatus> queues,
    List<OrchestratorStatus> orchestrators) {}
