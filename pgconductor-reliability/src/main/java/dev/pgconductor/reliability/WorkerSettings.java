package dev.pgconductor.reliability;

import java.time.Duration;

/**
 * How the worker JVMs of a scenario are configured.
 *
 * @param concurrency handler slots per worker
 * @param heartbeatInterval the orchestrator's heartbeat interval
 * @param heartbeatTimeout after how long without a heartbeat an orchestrator counts as dead
 * @param shutdownGrace how long a graceful stop waits for handlers
 * @param maxHeap the worker JVM's heap, -Xms and -Xmx (small by default: ten of them share two
 *     cores)
 * @param serverHeap whether the heap is run as a server's would be: G1 and every page touched at
 *     start ({@code -XX:+AlwaysPreTouch}), instead of the serial collector on pages the OS hands
 *     out at first use
 */
public record WorkerSettings(
    int concurrency,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration shutdownGrace,
    String maxHeap,
    boolean serverHeap) {

  /** What the scenarios use unless they say otherwise. */
  public static final WorkerSettings DEFAULT =
      new WorkerSettings(
          8, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(10), "256m", false);

  /**
   * These settings with a large heap run as a server's: without pre-touching, the first allocation
   * of a few hundred MB in a fresh heap costs about a second of the OS handing out zeroed pages,
   * which a benchmark of the engine should not count.
   */
  public WorkerSettings withServerHeap(String heap) {
    return new WorkerSettings(
        concurrency, heartbeatInterval, heartbeatTimeout, shutdownGrace, heap, true);
  }

  /** These settings with another number of handler slots per worker. */
  public WorkerSettings withConcurrency(int slots) {
    return new WorkerSettings(
        slots, heartbeatInterval, heartbeatTimeout, shutdownGrace, maxHeap, serverHeap);
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
