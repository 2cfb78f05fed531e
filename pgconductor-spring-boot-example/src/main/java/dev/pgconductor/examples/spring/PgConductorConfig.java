package dev.pgconductor.examples.spring;

import dev.pgconductor.ConductorListener;
import dev.pgconductor.spring.ConductorBuilderCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What the application adds to the auto-configured Conductor: a listener and a customizer. */
@Configuration(proxyBeanMethods = false)
public class PgConductorConfig {
  private static final Logger LOG = LoggerFactory.getLogger(PgConductorConfig.class);

  // tag::listener[]
  /** Every ConductorListener bean is registered on the Conductor: it hears all orchestrators. */
  @Bean
  ConductorListener failureLog() {
    return new ConductorListener() {
      @Override
      public void executionFailed(Failed event) {
        if (!event.willRetry()) {
          LOG.warn("{} {} failed for good", event.taskName(), event.executionId(), event.error());
        }
      }
    };
  }

  // end::listener[]

  // tag::customizer[]
  /** Runs before the Conductor is built: a logger for the handlers' ctx.logger(), a clock, ... */
  @Bean
  ConductorBuilderCustomizer taskLogger() {
    return builder -> builder.logger(LoggerFactory.getLogger("welcome.tasks"));
  }
  // end::customizer[]
}
