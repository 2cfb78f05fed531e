/**
 * Micrometer metrics for pgconductor: {@link dev.pgconductor.micrometer.PgConductorMetrics}, a
 * {@code ConductorListener} that counts and times executions, with gauges of queue depth read from
 * the database in the background.
 */
// micrometer-core ships no module-info; micrometer.core is the Automatic-Module-Name its manifest
// declares, a stable name.
@SuppressWarnings("requires-automatic")
module dev.pgconductor.micrometer {
  exports dev.pgconductor.micrometer;

  // PgConductorMetrics implements ConductorListener and takes a MeterRegistry and Tags.
  requires transitive dev.pgconductor;
  requires transitive micrometer.core;
}
