package dev.pgconductor.dashboard.query;

import java.time.Instant;

/**
 * The executions that finished within one minute, as {@link StatusQuery#throughput} counts them.
 *
 * @param minute the start of the minute
 * @param completed executions that completed in it
 * @param failed executions that failed for good in it
 * @param cancelled executions cancelled in it
 */
public record ThroughputPoint(Instant minute, long completed, long failed, long cancelled) {}
