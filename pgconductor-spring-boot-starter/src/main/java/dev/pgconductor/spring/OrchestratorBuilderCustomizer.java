package dev.pgconductor.spring;

import dev.pgconductor.Orchestrator;

/**
 * A bean that adjusts the auto-configured {@link Orchestrator} before it is built, after the
 * starter has applied the {@code pgconductor.orchestrator.*} properties and given it the Task and
 * Worker beans: for instance an orchestrator-only {@link dev.pgconductor.ConductorListener}.
 * Customizers run in {@link org.springframework.core.annotation.Order} order, each time an
 * orchestrator is built (at every start of the application context).
 */
@FunctionalInterface
public interface OrchestratorBuilderCustomizer {

  /** Adjusts the builder. */
  void customize(Orchestrator.Builder builder);
}
