package dev.pgconductor.spring;

import dev.pgconductor.Conductor;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.ExecutionTracer;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Worker;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of pgconductor on the application's {@link DataSource}:
 *
 * <ul>
 *   <li>a {@link Conductor} (unless the application defines one) whose task definitions are those
 *       of every {@link TaskSchemas} and {@link TaskDefinition} bean, whose event definitions are
 *       those of every {@link EventSchemas} and {@link EventDefinition} bean, with every {@link
 *       ConductorListener} bean registered, the {@link ExecutionTracer} bean as its tracer when
 *       there is exactly one, then adjusted by the {@link ConductorBuilderCustomizer} beans; it
 *       installs or upgrades the schema at start unless {@code pgconductor.install-schema=false};
 *   <li>a {@link ConductorTemplate} whose invokes and emits join Spring-managed transactions;
 *   <li>an {@link OrchestratorLifecycle} that runs the {@link Task} and {@link Worker} beans with
 *       the application context, unless {@code pgconductor.orchestrator.enabled=false}.
 * </ul>
 */
@AutoConfiguration(
    after = {
      DataSourceAutoConfiguration.class,
      DataSourceTransactionManagerAutoConfiguration.class
    })
@ConditionalOnClass(Conductor.class)
@EnableConfigurationProperties(PgConductorProperties.class)
public class PgConductorAutoConfiguration {

  /** The Conductor on the application's single DataSource, unless the application has its own. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean(Conductor.class)
  @ConditionalOnSingleCandidate(DataSource.class)
  static class ConductorConfiguration {

    @Bean
    ConductorResources pgConductorResources(
        DataSource dataSource,
        ObjectProvider<JdbcConnectionDetails> connectionDetails,
        PgConductorProperties properties,
        ObjectProvider<TaskSchemas> taskSchemas,
        ObjectProvider<TaskDefinition<?, ?>> taskDefinitions,
        ObjectProvider<EventSchemas> eventSchemas,
        ObjectProvider<EventDefinition<?>> eventDefinitions,
        ObjectProvider<ConductorListener> listeners,
        ObjectProvider<ExecutionTracer> tracer,
        ObjectProvider<ConductorBuilderCustomizer> customizers) {
      return ConductorResources.create(
          dataSource,
          connectionDetails,
          properties,
          taskSchemas,
          taskDefinitions,
          eventSchemas,
          eventDefinitions,
          listeners,
          tracer,
          customizers);
    }

    /** Closed through {@link ConductorResources}, together with its own pool. */
    @Bean(destroyMethod = "")
    Conductor<Object> conductor(ConductorResources resources) {
      return resources.conductor();
    }
  }

  /** Invokes and emits that join the Spring-managed transaction of the calling thread. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(Conductor.class)
  @ConditionalOnSingleCandidate(DataSource.class)
  ConductorTemplate conductorTemplate(Conductor<?> conductor, DataSource dataSource) {
    return new ConductorTemplate(conductor, dataSource);
  }

  /** Runs the Task and Worker beans in an orchestrator started and stopped with the context. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(Conductor.class)
  @ConditionalOnProperty(
      prefix = "pgconductor.orchestrator",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  OrchestratorLifecycle pgConductorOrchestrator(
      Conductor<?> conductor,
      PgConductorProperties properties,
      ObjectProvider<Task<?, ?>> tasks,
      ObjectProvider<Worker> workers,
      ObjectProvider<OrchestratorBuilderCustomizer> customizers) {
    return new OrchestratorLifecycle(
        new OrchestratorFactory(conductor, properties, tasks, workers, customizers),
        properties.getOrchestrator().getHeartbeatTimeout());
  }
}
