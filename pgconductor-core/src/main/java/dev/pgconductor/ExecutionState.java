package dev.pgconductor;

/** Where an execution stands. */
public enum ExecutionState {
  /** Waiting to run: not started yet, or waiting for its next attempt. */
  PENDING,
  /** Claimed by a worker and running. */
  RUNNING,
  /** Started, and now waiting for something (a sleep or a child execution) before it resumes. */
  WAITING,
  /** Finished successfully; its result is stored. */
  COMPLETED,
  /** Failed for good after its last attempt; its last error is stored. */
  FAILED,
  /** Cancelled before it finished. */
  CANCELLED;

  /** Whether the execution has finished and will not run again. */
  public boolean isFinished() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
