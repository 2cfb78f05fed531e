package dev.pgconductor.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.examples.guide.GettingStarted;
import dev.pgconductor.examples.guide.GettingStarted.Greet;
import dev.pgconductor.examples.guide.MetricsExamples;
import dev.pgconductor.micrometer.PgConductorMetrics;
import dev.pgconductor.testing.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the code of docs/metrics.md. */
class MetricsExamplesIT {
  private String url;

  @BeforeEach
  void createDatabase() {
    url = TestPostgres.createDatabase();
  }

  @AfterEach
  void dropDatabase() {
    TestPostgres.dropDatabase(url);
  }

  @Test
  void theMetricsCountTimeAndGaugeWhatTheGuideShows() {
    MeterRegistry registry = new SimpleMeterRegistry();
    MeterFilter histograms = MetricsExamples.histograms(registry);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    try (HikariDataSource pool = new HikariDataSource(config);
        PgConductorMetrics metrics = MetricsExamples.metrics(registry, pool);
        Conductor<Void> conductor =
            MetricsExamples.connect(pool, TaskSchemas.of(GettingStarted.GREET), metrics)) {
      conductor.ensureInstalled();
      var greet = GettingStarted.register(conductor);
      conductor.invoke(GettingStarted.GREET, new Greet("Ada")).orElseThrow();
      conductor
          .invoke(
              GettingStarted.GREET,
              new Greet("Bob"),
              InvokeOptions.DEFAULT.withRunAt(Instant.now().minus(Duration.ofMinutes(2))))
          .orElseThrow();

      // before they run: two ready, the older due two minutes ago
      metrics.refresh();
      assertThat(
              registry
                  .get(PgConductorMetrics.DEPTH)
                  .tags("queue", "default", "state", "ready", "service", "billing")
                  .gauge()
                  .value())
          .isEqualTo(2);
      assertThat(MetricsExamples.oldestReadySeconds(registry, "default")).isBetween(120.0, 180.0);

      Orchestrator.builder(conductor).tasks(greet).build().drain();

      assertThat(
              registry
                  .get(PgConductorMetrics.COMPLETED)
                  .tags("task", "greet", "queue", "default")
                  .counter()
                  .count())
          .isEqualTo(2);
      Timer wait = registry.get(PgConductorMetrics.QUEUE_WAIT).tags("task", "greet").timer();
      assertThat(wait.count()).isEqualTo(2);
      // the filter asks for histograms of the timers (a SimpleMeterRegistry publishes none; a
      // Prometheus registry does), and of nothing else
      assertThat(
              histograms
                  .configure(wait.getId(), DistributionStatisticConfig.NONE)
                  .isPercentileHistogram())
          .isTrue();
      assertThat(
              histograms
                  .configure(
                      registry.get(PgConductorMetrics.COMPLETED).counter().getId(),
                      DistributionStatisticConfig.NONE)
                  .isPercentileHistogram())
          .isNotEqualTo(Boolean.TRUE);

      // after the drain nothing is ready
      metrics.refresh();
      assertThat(MetricsExamples.oldestReadySeconds(registry, "default")).isZero();
    }
  }
}
