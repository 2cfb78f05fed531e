package dev.pgconductor.dashboard.query;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A registered orchestrator in a {@link Status}. An orchestrator whose heartbeat is older than its
 * {@code heartbeatTimeout} has died and is about to be rescued by a live one.
 *
 * @param id its id
 * @param host the host name of its machine
 * @param pid the process id of its JVM
 * @param startedAt when it registered
 * @param lastHeartbeatAt its last heartbeat, by the database clock
 * @param heartbeatAge how long ago that was
 * @param heartbeatTimeout its heartbeat timeout, as its heartbeats give it; {@code null} before its
 *     first heartbeat
 * @param liveSince since when it has heartbeated without a gap
 * @param serves the queues it has workers for, with the tasks each runs
 */
public record OrchestratorStatus(
    String id,
    String host,
    long pid,
    Instant startedAt,
    Instant lastHeartbeatAt,
    Duration heartbeatAge,
    Duration heartbeatTimeout,
    Instant liveSince,
    List<ServedQueue> serves) {

  /**
   * A queue an orchestrator has a worker for.
   *
   * @param queue the queue
   * @param tasks the tasks that worker runs, by name
   */
  public record ServedQueue(String queue, List<String> tasks) {}
}
