package dev.pgconductor.dashboard.internal;

import dev.pgconductor.dashboard.query.OrchestratorStatus;
import dev.pgconductor.dashboard.query.QueueStatus;
import dev.pgconductor.dashboard.query.Status;
import dev.pgconductor.dashboard.query.ThroughputPoint;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the overview shows, read once for every open page: the status and the throughput of the last
 * hour. Used by the templates; not public API.
 *
 * @param status queues and orchestrators
 * @param throughput finished executions per minute over the last hour
 * @param heartbeatTimeout after how long without a heartbeat an orchestrator counts as dead, when
 *     it has not heartbeated yet (otherwise its own timeout, as its heartbeats record it)
 */
public record Overview(Status status, List<ThroughputPoint> throughput, Duration heartbeatTimeout) {

  /** Executions completed within the window, over all queues. */
  public long completed() {
    return status.queues().stream().mapToLong(QueueStatus::completed).sum();
  }

  /** Executions that failed for good within the window, over all queues. */
  public long failed() {
    return status.queues().stream().mapToLong(QueueStatus::failed).sum();
  }

  /** Executions cancelled within the window, over all queues. */
  public long cancelled() {
    return status.queues().stream().mapToLong(QueueStatus::cancelled).sum();
  }

  /** Executions running now, over all queues. */
  public long running() {
    return status.queues().stream().mapToLong(QueueStatus::running).sum();
  }

  /** Executions due now and not running, over all queues. */
  public long pending() {
    return status.queues().stream().mapToLong(QueueStatus::pending).sum();
  }

  /** Whether an orchestrator's last heartbeat is recent enough, by its own timeout, to be alive. */
  public boolean alive(OrchestratorStatus orchestrator) {
    Duration timeout =
        orchestrator.heartbeatTimeout() != null
            ? orchestrator.heartbeatTimeout()
            : heartbeatTimeout;
    return orchestrator.heartbeatAge() != null
        && orchestrator.heartbeatAge().compareTo(timeout) < 0;
  }

  /**
   * The chart's data as JSON for uPlot: minutes (epoch seconds) of the last hour, with completed
   * and failed counts, zero where nothing finished.
   */
  public String chartJson() {
    Instant end = status.at().truncatedTo(ChronoUnit.MINUTES);
    Map<Instant, ThroughputPoint> byMinute = new HashMap<>();
    for (ThroughputPoint p : throughput) {
      byMinute.put(p.minute(), p);
    }
    StringBuilder x = new StringBuilder("[");
    StringBuilder ok = new StringBuilder("[");
    StringBuilder ko = new StringBuilder("[");
    for (int i = 59; i >= 0; i--) {
      Instant minute = end.minus(i, ChronoUnit.MINUTES);
      ThroughputPoint p = byMinute.get(minute);
      String sep = i == 59 ? "" : ",";
      x.append(sep).append(minute.getEpochSecond());
      ok.append(sep).append(p == null ? 0 : p.completed());
      ko.append(sep).append(p == null ? 0 : p.failed() + p.cancelled());
    }
    return "[" + x + "]," + ok + "]," + ko + "]]";
  }
}
