package dev.pgconductor.dashboard.query;

import java.time.Duration;

/**
 * One queue in a {@link Status}: how many unfinished executions it holds in each state, how long
 * the oldest due one has waited, and how many finished within the status window.
 *
 * @param queue the queue's name
 * @param pending executions due now and not running (not started, waiting for a retry, handed back
 *     by a stop, or a parent whose child finished)
 * @param scheduled executions not running and due later ({@code runAt} or a retry backoff in the
 *     future)
 * @param running executions claimed by a worker
 * @param waiting executions in a durable sleep or waiting for a child execution
 * @param oldestPendingAge how long the oldest pending execution has been due (now minus its {@code
 *     run_at}); {@code null} when nothing is pending
 * @param completed executions that completed within the window
 * @param failed executions that failed for good within the window
 * @param cancelled executions cancelled while running within the window
 */
public record QueueStatus(
    String queue,
    long pending,
    long scheduled,
    long running,
    long waiting,
    Duration oldestPendingAge,
    long completed,
    long failed,
    long cancelled) {}
