package dev.pgconductor.reliability;

import java.time.Duration;

/**
 * How the worker JVMs of a scenario are configured.
 *
 * @param concurrency handler slots per worker
 * @param heartbeatInterval the orchestrator's heartbeat interval
 * @param heartbeatTimeout after how long without a heartbeat an orchestrator counts as dead
 * @param shutdownGrace how long a graceful stop waits for handlers
 * @param maxHeap the worker JVM's -Xmx (small by default: ten of them share two cores)
 */
public record WorkerSettings(
    int concurrency,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration shutdownGrace,
    String maxHeap) {

  /** What the scenarios use unless they say otherwise. */
  public static final WorkerSettings DEFAULT =
      new WorkerSettings(
          8, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(10), "256m");

  /** These settings with another -Xmx. */
  public WorkerSettings withMaxHeap(String heap) {
    return new WorkerSettings(
        concurrency, heartbeatInterval, heartbeatTimeout, shutdownGrace, heap);
  }

  /** The time allowed for a claim after the rescue, in the recovery bound. */
  public static final Duration CLAIM_ALLOWANCE = Duration.ofSeconds(1);

  /**
   * The recovery bound the docs state: a dead worker's executions are picked up within about
   * heartbeatTimeout plus heartbeatInterval, plus a claim.
   */
  public Duration recoveryBound() {
    return heartbeatTimeout.plus(heartbeatInterval).plus(CLAIM_ALLOWANCE);
  }
}
