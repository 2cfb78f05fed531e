package dev.pgconductor.spring.metrics;

import dev.pgconductor.micrometer.PgConductorMetrics;
import dev.pgconductor.spring.PgConductorAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * pgconductor's Micrometer metrics ({@link PgConductorMetrics}) on the application's {@link
 * MeterRegistry}, when {@code pgconductor-micrometer} is on the class path and a registry exists
 * (Spring Boot's Actuator makes one). The metrics are a {@code ConductorListener} bean, so the
 * auto-configured Conductor registers them; their queue gauges read the application's {@link
 * DataSource}. {@code pgconductor.metrics.enabled=false} turns them off.
 */
@AutoConfiguration(
    before = PgConductorAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass({PgConductorMetrics.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(name = "pgconductor.metrics.enabled", matchIfMissing = true)
public class PgConductorMetricsAutoConfiguration {

  /** The metrics, with queue gauges on the application's data source. Closed with the context. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public PgConductorMetrics pgconductorMetrics(MeterRegistry registry, DataSource dataSource) {
    return PgConductorMetrics.builder(registry).dataSource(dataSource).build();
  }
}
