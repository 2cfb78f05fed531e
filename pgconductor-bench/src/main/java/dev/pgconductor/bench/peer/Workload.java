package dev.pgconductor.bench.peer;

import java.time.Duration;

/**
 * A workload that peers and raw-SQL bounds can be asked to run: the system-neutral part of
 * scenarios 1–5. Every system measures it the same way and reports jobs per second.
 */
public sealed interface Workload {
  /** Short name used by the Node peer scripts and in messages. */
  String kind();

  /** Scenario 1: {@code jobs} jobs enqueued one per call by {@code callers} concurrent callers. */
  record EnqueueSingle(int jobs, int callers) implements Workload {
    @Override
    public String kind() {
      return "enqueue-single";
    }
  }

  /** Scenario 2: {@code jobs} jobs enqueued {@code batchSize} per call by one caller. */
  record EnqueueBatch(int jobs, int batchSize) implements Workload {
    @Override
    public String kind() {
      return "enqueue-batch";
    }
  }

  /**
   * Scenario 3: {@code jobs} no-op jobs enqueued beforehand (not measured); measured from starting
   * the workers until the last job's completion is written.
   */
  record Drain(int jobs) implements Workload {
    @Override
    public String kind() {
      return "drain";
    }
  }

  /**
   * Scenario 4: for {@code duration}, a producer enqueues {@code batchSize} jobs per call while
   * workers run them; at most {@code maxBacklog} jobs are enqueued and not yet run (the producer
   * waits beyond). Reports completed jobs per second.
   */
  record SteadyState(Duration duration, int batchSize, int maxBacklog) implements Workload {
    @Override
    public String kind() {
      return "steady";
    }
  }

  /**
   * Scenario 5: as {@link Drain}, but each job records two step results, each stored durably before
   * the job goes on. Only the raw-SQL bound runs it: the peers have no memoized steps.
   */
  record TwoStep(int jobs) implements Workload {
    @Override
    public String kind() {
      return "two-step";
    }
  }
}
