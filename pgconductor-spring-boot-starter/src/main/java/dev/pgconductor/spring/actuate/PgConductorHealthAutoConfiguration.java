package dev.pgconductor.spring.actuate;

import dev.pgconductor.Conductor;
import dev.pgconductor.spring.OrchestratorLifecycle;
import dev.pgconductor.spring.PgConductorAutoConfiguration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@link PgConductorHealthIndicator}, when Spring Boot's health support is on the class path;
 * {@code management.health.pgconductor.enabled=false} turns it off.
 */
@AutoConfiguration(after = PgConductorAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(Conductor.class)
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnEnabledHealthIndicator("pgconductor")
public class PgConductorHealthAutoConfiguration {

  /** The indicator, named {@code pgconductor} in the health groups. */
  @Bean
  @ConditionalOnMissingBean(name = "pgconductorHealthIndicator")
  public PgConductorHealthIndicator pgconductorHealthIndicator(
      DataSource dataSource, ObjectProvider<OrchestratorLifecycle> lifecycle) {
    return new PgConductorHealthIndicator(dataSource, lifecycle.getIfAvailable());
  }
}
