package dev.pgconductor.internal.worker;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What an orchestrator knows of its own standing: whether its last heartbeat is recent enough to
 * trust that it still holds what it claimed, and when its current registration began. A process
 * that was frozen or cut off longer than that cannot tell whether peers declared it dead and ran
 * its executions meanwhile, so its handlers wait at their next step, sleep, invoke or checkpoint
 * (and before they start) until the next heartbeat says; a claim made before the orchestrator had
 * to register again is void, so a stale run never runs a step that another worker recorded since.
 */
final class Liveness {
  private final long trustNanos;
  private final Object lock = new Object();
  private volatile long lastBeatNanos;
  private volatile long registeredNanos;

  /**
   * Trusted for half the heartbeat timeout after each heartbeat (a quarter of it at most apart).
   */
  Liveness(Duration heartbeatTimeout) {
    this.trustNanos = heartbeatTimeout.toNanos() / 2;
    long now = System.nanoTime();
    this.lastBeatNanos = now;
    this.registeredNanos = now;
  }

  /** Called just before the orchestrator registers (again): earlier claims become void. */
  void registering() {
    registeredNanos = System.nanoTime();
  }

  /**
   * A heartbeat (or registration) succeeded that was sent at {@code sentNanos}. Trust runs from
   * when it was sent, not from its answer: the database saw this orchestrator no later than that,
   * and an answer held up on the network for longer than the timeout must not vouch for a time when
   * peers may already have declared it dead.
   */
  void beat(long sentNanos) {
    if (sentNanos - lastBeatNanos > 0) {
      lastBeatNanos = sentNanos;
    }
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /**
   * Whether a run of a claim sent at {@code claimNanos} still holds its execution. Returns at once
   * while the heartbeat is trusted; otherwise waits for the next heartbeat, or until {@code
   * aborted} (then true: the caller deals with the abort).
   */
  boolean holds(long claimNanos, BooleanSupplier aborted) {
    while (System.nanoTime() - lastBeatNanos >= trustNanos && !aborted.getAsBoolean()) {
      synchronized (lock) {
        try {
          lock.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return true;
        }
      }
    }
    return claimNanos - registeredNanos > 0;
  }
}
