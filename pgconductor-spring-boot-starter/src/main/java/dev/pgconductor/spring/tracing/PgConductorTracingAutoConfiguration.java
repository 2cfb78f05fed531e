package dev.pgconductor.spring.tracing;

import dev.pgconductor.ExecutionTracer;
import dev.pgconductor.opentelemetry.PgConductorTracing;
import dev.pgconductor.spring.PgConductorAutoConfiguration;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * pgconductor's OpenTelemetry tracing ({@link PgConductorTracing}) with the application's {@link
 * OpenTelemetry}, when {@code pgconductor-opentelemetry} is on the class path and an {@code
 * OpenTelemetry} bean exists (Spring Boot's {@code spring-boot-starter-opentelemetry} or the
 * OpenTelemetry Spring Boot starter make one). The tracing is an {@link ExecutionTracer} bean, so
 * the auto-configured Conductor uses it. {@code pgconductor.tracing.enabled=false} turns it off.
 */
@AutoConfiguration(
    before = PgConductorAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
      "io.opentelemetry.instrumentation.spring.autoconfigure.OpenTelemetryAutoConfiguration"
    })
@ConditionalOnClass({PgConductorTracing.class, OpenTelemetry.class})
@ConditionalOnBean(OpenTelemetry.class)
@ConditionalOnProperty(name = "pgconductor.tracing.enabled", matchIfMissing = true)
public class PgConductorTracingAutoConfiguration {

  /** The tracing, on the application's OpenTelemetry. */
  @Bean
  @ConditionalOnMissingBean(ExecutionTracer.class)
  public PgConductorTracing pgconductorTracing(OpenTelemetry openTelemetry) {
    return PgConductorTracing.create(openTelemetry);
  }
}
