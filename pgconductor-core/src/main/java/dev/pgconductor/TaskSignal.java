package dev.pgconductor;

/**
 * Tells a running handler that it should stop: the execution was cancelled or the worker is
 * shutting down. When it becomes aborted the handler thread is also interrupted, so blocking I/O
 * stops; the next step, sleep, invoke or checkpoint then ends the run (cancelled, or released
 * to resume later).
 */
public interface TaskSignal {
  /** Why a run is asked to stop. */
  enum Reason {
    /** The execution was cancelled; it ends cancelled and is not retried. */
    CANCELLED,
    /** The worker is stopping; the execution is released and resumes later. */
    SHUTDOWN
  }

  /** Whether the handler has been asked to stop. */
  boolean isAborted();

  /** Why, or {@code null} while not aborted. */
  Reason reason();
}
