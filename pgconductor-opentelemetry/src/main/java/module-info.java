/**
 * OpenTelemetry tracing for pgconductor: {@link dev.pgconductor.opentelemetry.PgConductorTracing},
 * an {@code ExecutionTracer} that stores the caller's trace context with each execution and traces
 * every attempt under it, with the application's {@code OpenTelemetry}.
 */
module dev.pgconductor.opentelemetry {
  exports dev.pgconductor.opentelemetry;

  // PgConductorTracing implements ExecutionTracer and is created from an OpenTelemetry.
  requires transitive dev.pgconductor;
  requires transitive io.opentelemetry.api;
  requires io.opentelemetry.context;
}
