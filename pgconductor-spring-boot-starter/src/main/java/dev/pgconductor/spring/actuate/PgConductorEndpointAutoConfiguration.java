package dev.pgconductor.spring.actuate;

import dev.pgconductor.Conductor;
import dev.pgconductor.spring.OrchestratorLifecycle;
import dev.pgconductor.spring.PgConductorAutoConfiguration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * The {@link PgConductorEndpoint}, when Spring Boot Actuator is on the class path and the endpoint
 * is available (enabled, and exposed over the web or JMX: {@code
 * management.endpoints.web.exposure.include=health,pgconductor}).
 */
@AutoConfiguration(after = PgConductorAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(Conductor.class)
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnAvailableEndpoint(PgConductorEndpoint.class)
public class PgConductorEndpointAutoConfiguration {

  /** The endpoint. */
  @Bean
  @ConditionalOnMissingBean
  public PgConductorEndpoint pgConductorEndpoint(
      DataSource dataSource, ObjectProvider<OrchestratorLifecycle> lifecycle) {
    return new PgConductorEndpoint(dataSource, lifecycle.getIfAvailable());
  }
}
