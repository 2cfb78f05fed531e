package dev.pgconductor.internal.worker;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Where a worker's fetcher waits: for a notification of new work (or its poll interval), or for
 * room to claim into. Finishing handlers report room only while the fetcher waits for it, so a busy
 * worker does not take the monitor on every completion.
 */
final class WakeSignal {
  private final Object monitor = new Object();
  private boolean woken; // guarded by monitor
  private volatile boolean waitingForRoom;

  /** New work may be ready: ends the current or next {@link #awaitWake}. */
  void wake() {
    synchronized (monitor) {
      woken = true;
      monitor.notifyAll();
    }
  }

  /** Wakes whoever waits in {@link #awaitUntil}, e.g. because room was freed or a stop began. */
  void changed() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  /** Room was freed: wakes a fetcher waiting for room if {@code enough}. */
  void roomFreed(BooleanSupplier enough) {
    if (waitingForRoom && enough.getAsBoolean()) {
      changed();
    }
  }

  /**
   * Waits until {@link #wake()} is called (also before this call, since the last wait), {@code
   * stop} holds, or {@code millis} pass.
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  void awaitWake(long millis, BooleanSupplier stop) throws InterruptedException {
    synchronized (monitor) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      try {
        while (!woken && !stop.getAsBoolean()) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            break;
          }
          monitor.wait(left);
        }
      } finally {
        woken = false;
      }
    }
  }

  /**
   * Waits until there is room to claim into ({@code room} holds), {@code stop} holds, or {@code
   * maxMillis} passed (the caller looks at its claimed executions again then).
   */
  void awaitRoom(BooleanSupplier room, BooleanSupplier stop, long maxMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    synchronized (monitor) {
      waitingForRoom = true;
      try {
        while (!room.getAsBoolean() && !stop.getAsBoolean()) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) {
            return;
          }
          monitor.wait(left);
        }
      } finally {
        waitingForRoom = false;
      }
    }
  }

  /** Waits until {@code done} holds or the deadline ({@link System#nanoTime()}) passes. */
  boolean awaitUntil(BooleanSupplier done, long deadlineNanos) {
    synchronized (monitor) {
      while (!done.getAsBoolean()) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        try {
          monitor.wait(Math.min(left, 100));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return done.getAsBoolean();
        }
      }
      return true;
    }
  }
}
