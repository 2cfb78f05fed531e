package dev.pgconductor.spring;

import dev.pgconductor.Conductor;

/**
 * A bean that adjusts the auto-configured {@link Conductor} before it is built: a custom context, a
 * Jackson mapper, a clock for tests, a logger. Customizers run in {@link
 * org.springframework.core.annotation.Order} order, after the starter has set the data source, the
 * task and event definitions and the {@link dev.pgconductor.ConductorListener} beans.
 *
 * <pre>{@code
 * @Bean
 * ConductorBuilderCustomizer conductorClock(Clock clock) {
 *   return builder -> builder.clock(clock);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface ConductorBuilderCustomizer {

  /** Adjusts the builder; a call of {@code builder.context(...)} sets the context in place. */
  void customize(Conductor.Builder<Object> builder);
}
