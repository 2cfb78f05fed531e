package dev.pgconductor.reliability;

/**
 * One fault scenario: it starts workers, invokes work and injects faults on a {@link ScenarioRun};
 * the {@link Checker} then judges what the database shows.
 */
public interface Scenario {
  /** A short name, used for the scenario's database and on the command line. */
  String name();

  /** What the scenario does, one line for the report. */
  String description();

  /** Worker configuration. */
  default WorkerSettings settings() {
    return WorkerSettings.DEFAULT;
  }

  /**
   * The bound within which a dead worker's executions must be picked up again: by default
   * heartbeatTimeout + heartbeatInterval + a claim (docs/guarantees.md).
   */
  default java.time.Duration recoveryBound() {
    return settings().recoveryBound();
  }

  /** Whether the driver installs the schema before the scenario (false: the workers race to). */
  default boolean installsSchema() {
    return true;
  }

  /** Runs the scenario; returns once its work is finished or its deadline passed. */
  void run(ScenarioRun run) throws Exception;
}
