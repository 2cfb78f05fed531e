package dev.pgconductor.reliability;

import java.time.Duration;

/**
 * How the worker JVMs of a scenario are configured.
 *
 * @param concurrency handler slots per worker
 * @param heartbeatInterval the orchestrator's heartbeat interval
 * @param heartbeatTimeout after how long without a heartbeat an orchestrator counts as dead
 * @param shutdownGrace how long a graceful stop waits for handlers
 */
public record WorkerSettings(
    int concurrency,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration shutdownGrace) {

  /** What the scenarios use unless they say otherwise. */
  public static final WorkerSettings DEFAULT =
      new WorkerSettings(8, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(10));

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
