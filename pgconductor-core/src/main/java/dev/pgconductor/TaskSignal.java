package dev.pgconductor;

/**
 * Tells a running handler that it should stop: the execution was cancelled, the worker is shutting
 * down, or the run took longer than its task's timeout. The next step, sleep, invoke or checkpoint
 * then ends the run (cancelled, or released to resume later). On cancellation and timeout the
 * handler thread is also interrupted at once, so blocking I/O stops; on shutdown it is interrupted
 * only if it is still running when the orchestrator's shutdown grace period ends, so a step in
 * progress can finish and be recorded.
 */
public interface TaskSignal {
  /** Why a run is asked to stop. */
  enum Reason {
    /** The execution was cancelled; it ends cancelled and is not retried. */
    CANCELLED,
    /** The worker is stopping; the execution is released and resumes later. */
    SHUTDOWN,
    /**
     * The run took longer than the task's {@link TaskOptions#timeout(java.time.Duration) timeout};
     * the attempt has failed already and nothing the handler does from here on is kept.
     */
    TIMED_OUT
  }

  /** Whether the handler has been asked to stop. */
  boolean isAborted();

  /** Why, or {@code null} while not aborted. */
  Reason reason();
}
