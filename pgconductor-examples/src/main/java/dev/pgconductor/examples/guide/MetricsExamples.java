package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.micrometer.PgConductorMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The code of docs/metrics.md: pgconductor-micrometer's metrics on a registry, a Conductor that
 * reports to them, histograms for the timers, and reading a gauge.
 */
public final class MetricsExamples {
  private MetricsExamples() {}

  /** The metrics, with queue gauges read through the application's pool. */
  public static PgConductorMetrics metrics(MeterRegistry registry, DataSource dataSource) {
    // tag::metrics[]
    PgConductorMetrics metrics =
        PgConductorMetrics.builder(registry)
            .tags(Tags.of("service", "billing")) // optional: added to every meter
            .dataSource(dataSource) // optional: the queue gauges, read in the background
            .refreshInterval(Duration.ofSeconds(10)) // the default
            .build();
    // end::metrics[]
    return metrics;
  }

  /** A Conductor whose invokes, cancels and orchestrators report to the metrics. */
  public static Conductor<Void> connect(
      DataSource dataSource, TaskSchemas tasks, PgConductorMetrics metrics) {
    // tag::conductor[]
    Conductor<Void> conductor =
        Conductor.builder()
            .dataSource(dataSource)
            .tasks(tasks)
            .listener(metrics) // this Conductor's invokes and cancels, and all its orchestrators
            .build();
    // end::conductor[]
    return conductor;
  }

  /** Asks the registry for percentile histograms of pgconductor's timers; returns the filter. */
  public static MeterFilter histograms(MeterRegistry registry) {
    // tag::histograms[]
    MeterFilter histograms =
        new MeterFilter() {
          @Override
          public DistributionStatisticConfig configure(
              Meter.Id id, DistributionStatisticConfig config) {
            if (id.getType() == Meter.Type.TIMER && id.getName().startsWith("pgconductor.")) {
              return DistributionStatisticConfig.builder()
                  .percentilesHistogram(true)
                  .build()
                  .merge(config);
            }
            return config;
          }
        };
    // before the metrics are built: a filter applies to the meters registered after it
    registry.config().meterFilter(histograms);
    // end::histograms[]
    return histograms;
  }

  /** How long the oldest ready execution of a queue has waited, as of the last refresh. */
  public static double oldestReadySeconds(MeterRegistry registry, String queue) {
    // tag::read-gauge[]
    double seconds =
        registry
            .get(PgConductorMetrics.OLDEST_READY_AGE) // "pgconductor.queue.oldest.ready.age"
            .tag("queue", queue)
            .timeGauge()
            .value(TimeUnit.SECONDS);
    // end::read-gauge[]
    return seconds;
  }
}
