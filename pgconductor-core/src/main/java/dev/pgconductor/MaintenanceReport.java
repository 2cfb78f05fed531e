package dev.pgconductor;

import java.time.Duration;

/**
 * What a maintenance run of one queue removed: finished executions whose retention ran out (see
 * {@link TaskOptions#removeOnComplete} and {@link TaskOptions#removeOnFail}). Handed to {@link
 * ConductorListener#maintenanceCompleted} after each daily run, and returned by {@link
 * Conductor#runMaintenance}.
 *
 * @param queue the queue
 * @param completed completed executions removed
 * @param failed failed executions removed
 * @param cancelled cancelled executions removed
 * @param duration how long the run took
 * @param finished false when the run was cut short (its orchestrator stopped); the rest goes with
 *     the next run
 */
public record MaintenanceReport(
    String queue,
    long completed,
    long failed,
    long cancelled,
    Duration duration,
    boolean finished) {

  /** Executions removed, in every state. */
  public long removed() {
    return completed + failed + cancelled;
  }
}
