package dev.pgconductor.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.Execution;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.dashboard.Dashboard;
import dev.pgconductor.micrometer.PgConductorMetrics;
import dev.pgconductor.opentelemetry.PgConductorTracing;
import dev.pgconductor.spring.Greetings.Greet;
import dev.pgconductor.spring.actuate.PgConductorEndpoint;
import dev.pgconductor.spring.actuate.PgConductorEndpointAutoConfiguration;
import dev.pgconductor.spring.actuate.PgConductorHealthAutoConfiguration;
import dev.pgconductor.spring.actuate.PgConductorHealthIndicator;
import dev.pgconductor.spring.dashboard.PgConductorDashboardAutoConfiguration;
import dev.pgconductor.spring.metrics.PgConductorMetricsAutoConfiguration;
import dev.pgconductor.spring.tracing.PgConductorTracingAutoConfiguration;
import dev.pgconductor.testing.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration in real application contexts against Postgres. */
class PgConductorAutoConfigurationIT {
  private static final String URL = TestPostgres.createDatabase();

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DataSourceAutoConfiguration.class,
                  DataSourceTransactionManagerAutoConfiguration.class,
                  TransactionAutoConfiguration.class,
                  PgConductorAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=" + URL,
              "pgconductor.orchestrator.shutdown-grace=2s",
              "pgconductor.worker.poll-interval=100ms");

  @AfterAll
  static void dropDatabase() {
    TestPostgres.dropDatabase(URL);
  }

  @Test
  void aTaskBeanRunsInTheOrchestratorOfTheContext() {
    runner
        .withUserConfiguration(Greetings.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              OrchestratorLifecycle lifecycle = context.getBean(OrchestratorLifecycle.class);
              assertThat(lifecycle.isRunning()).isTrue();
              Conductor<?> conductor = context.getBean(Conductor.class);
              String id =
                  context
                      .getBean(ConductorTemplate.class)
                      .invoke(Greetings.GREET, new Greet("Ada"))
                      .orElseThrow();
              await()
                  .atMost(Duration.ofSeconds(20))
                  .untilAsserted(
                      () -> {
                        Execution<Greet, String> e =
                            conductor.getExecution(Greetings.GREET, id).orElseThrow();
                        assertThat(e.state()).isEqualTo(ExecutionState.COMPLETED);
                        assertThat(e.result()).isEqualTo("Hello, Ada");
                      });
            });
  }

  @Test
  void withAMeterRegistryTheMetricsCountWhatRuns() {
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorMetricsAutoConfiguration.class))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withUserConfiguration(Greetings.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(PgConductorMetrics.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              String id =
                  context
                      .getBean(ConductorTemplate.class)
                      .invoke(Greetings.GREET, new Greet("Bo"))
                      .orElseThrow();
              Conductor<?> conductor = context.getBean(Conductor.class);
              await()
                  .atMost(Duration.ofSeconds(20))
                  .until(
                      () ->
                          conductor.getExecution(id).orElseThrow().state()
                              == ExecutionState.COMPLETED);
              await()
                  .atMost(Duration.ofSeconds(10))
                  .untilAsserted(
                      () ->
                          assertThat(
                                  registry
                                      .get("pgconductor.executions.completed")
                                      .tag("task", Greetings.GREET.name())
                                      .counter()
                                      .count())
                              .isEqualTo(1.0));
            });
  }

  @Test
  void withAnOpenTelemetryBeanRunsAreTracedUnderTheInvokersSpan() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorTracingAutoConfiguration.class))
        .withBean(
            OpenTelemetry.class,
            () ->
                OpenTelemetrySdk.builder()
                    .setTracerProvider(
                        SdkTracerProvider.builder()
                            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                            .build())
                    .build())
        .withUserConfiguration(Greetings.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(PgConductorTracing.class);
              Span request =
                  context
                      .getBean(OpenTelemetry.class)
                      .getTracer("app")
                      .spanBuilder("request")
                      .startSpan();
              String id;
              try (Scope ignored = request.makeCurrent()) {
                id =
                    context
                        .getBean(ConductorTemplate.class)
                        .invoke(Greetings.GREET, new Greet("Otto"))
                        .orElseThrow();
              } finally {
                request.end();
              }
              await()
                  .atMost(Duration.ofSeconds(20))
                  .untilAsserted(
                      () ->
                          assertThat(exporter.getFinishedSpanItems())
                              .anySatisfy(
                                  span -> {
                                    assertThat(span.getName())
                                        .isEqualTo("pgconductor.execute " + Greetings.GREET.name());
                                    assertThat(span.getTraceId())
                                        .isEqualTo(request.getSpanContext().getTraceId());
                                    assertThat(
                                            span.getAttributes()
                                                .get(PgConductorTracing.EXECUTION_ID))
                                        .isEqualTo(id);
                                  }));
            });
  }

  @Test
  void tracingIsOffWithoutAnOpenTelemetryBeanOrWhenDisabled() {
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorTracingAutoConfiguration.class))
        .withPropertyValues("pgconductor.orchestrator.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(PgConductorTracing.class));
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorTracingAutoConfiguration.class))
        .withBean(OpenTelemetry.class, OpenTelemetry::noop)
        .withPropertyValues(
            "pgconductor.orchestrator.enabled=false", "pgconductor.tracing.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(PgConductorTracing.class));
  }

  @Test
  void withoutAMeterRegistryThereAreNoMetrics() {
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorMetricsAutoConfiguration.class))
        .withPropertyValues("pgconductor.orchestrator.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(PgConductorMetrics.class));
  }

  @Test
  void theLifecycleStopsGracefullyAndStartsANewOrchestrator() throws SQLException {
    runner
        .withUserConfiguration(Greetings.class)
        .run(
            context -> {
              OrchestratorLifecycle lifecycle = context.getBean(OrchestratorLifecycle.class);
              String first = lifecycle.info().orElseThrow().id();
              assertThat(registered(first)).isTrue();

              context.stop();
              assertThat(lifecycle.isRunning()).isFalse();
              assertThat(lifecycle.info().orElseThrow().stopped()).isTrue();
              assertThat(registered(first)).as("deregistered at stop").isFalse();

              context.start();
              String second = lifecycle.info().orElseThrow().id();
              assertThat(second).isNotEqualTo(first);
              assertThat(lifecycle.isRunning()).isTrue();
              assertThat(registered(second)).isTrue();
            });
    assertThat(count("select count(*) from pgconductor.orchestrators"))
        .as("the context's close stopped the orchestrator")
        .isZero();
  }

  @Test
  void propertiesBindToWorkerConfigPerQueue() {
    runner
        .withPropertyValues(
            "pgconductor.orchestrator.enabled=false",
            "pgconductor.worker.concurrency=4",
            "pgconductor.workers.mail.concurrency=2",
            "pgconductor.workers.mail.poll-interval=250ms",
            "pgconductor.workers.mail.fetch-batch-size=5",
            "pgconductor.orchestrator.heartbeat-interval=2s",
            "pgconductor.orchestrator.heartbeat-timeout=10s",
            "pgconductor.orchestrator.shutdown-grace=7s")
        .run(
            context -> {
              PgConductorProperties p = context.getBean(PgConductorProperties.class);
              assertThat(p.workerConfig("mail"))
                  .isEqualTo(new WorkerConfig(2, Duration.ofMillis(250), Duration.ofSeconds(2), 5));
              assertThat(p.workerConfig("other"))
                  .isEqualTo(
                      new WorkerConfig(4, Duration.ofMillis(100), Duration.ofSeconds(2), 10));
              assertThat(p.getOrchestrator().getHeartbeatInterval()).hasSeconds(2);
              assertThat(p.getOrchestrator().getHeartbeatTimeout()).hasSeconds(10);
              assertThat(p.getOrchestrator().getShutdownGrace()).hasSeconds(7);
              assertThat(context).doesNotHaveBean(OrchestratorLifecycle.class);
              assertThat(context).hasSingleBean(Conductor.class);
              assertThat(context).hasSingleBean(ConductorTemplate.class);
            });
  }

  @Test
  void theStarterBacksOffForTheApplicationsOwnConductor() {
    runner
        .withUserConfiguration(OwnConductor.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(Conductor.class);
              assertThat(context.getBean(Conductor.class)).isSameAs(context.getBean("myConductor"));
              assertThat(context).doesNotHaveBean(ConductorResources.class);
              assertThat(context.getBean(ConductorTemplate.class).conductor())
                  .isSameAs(context.getBean("myConductor"));
            });
  }

  @Test
  void withoutTasksNoOrchestratorRuns() {
    runner.run(
        context -> {
          OrchestratorLifecycle lifecycle = context.getBean(OrchestratorLifecycle.class);
          assertThat(lifecycle.orchestrator()).isEmpty();
          assertThat(lifecycle.isRunning()).isFalse();
        });
  }

  @Test
  void aPoolOfItsOwnServesTheConductor() {
    runner
        .withUserConfiguration(Greetings.class)
        .withPropertyValues("pgconductor.pool.size=4")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Conductor<?> conductor = context.getBean(Conductor.class);
              String id = conductor.invoke(Greetings.GREET, new Greet("Pool")).orElseThrow();
              assertThat(context.getBean(OrchestratorLifecycle.class).isRunning()).isTrue();
              await()
                  .atMost(Duration.ofSeconds(20))
                  .until(
                      () -> conductor.getExecution(id).orElseThrow().state(),
                      s -> s == ExecutionState.COMPLETED);
              HikariDataSource own =
                  context.getBean(ConductorResources.class).ownPool().orElseThrow();
              assertThat(own.getPoolName()).isEqualTo("pgconductor");
              assertThat(own.getMaximumPoolSize()).isEqualTo(4);
              assertThat(own.getJdbcUrl()).isEqualTo(URL);
              assertThat(context.getBean(DataSource.class)).isNotSameAs(own);
            });
  }

  @Test
  void theSchemaIsNotInstalledWhenSwitchedOff() {
    String url = TestPostgres.createDatabase();
    try {
      runner
          .withPropertyValues(
              "spring.datasource.url=" + url,
              "pgconductor.install-schema=false",
              "pgconductor.orchestrator.enabled=false")
          .run(
              context -> {
                assertThat(context).hasNotFailed();
                try (Connection c = DriverManager.getConnection(url);
                    Statement st = c.createStatement();
                    ResultSet rs =
                        st.executeQuery(
                            "select to_regclass('pgconductor.orchestrators') is null")) {
                  rs.next();
                  assertThat(rs.getBoolean(1)).isTrue();
                }
              });
    } finally {
      TestPostgres.dropDatabase(url);
    }
  }

  @Test
  void conductorListenerBeansHearInvokesAndOrchestrators() {
    runner
        .withUserConfiguration(Greetings.class, Recording.class)
        .run(
            context -> {
              Recording recording = context.getBean(Recording.class);
              Conductor<?> conductor = context.getBean(Conductor.class);
              String id = conductor.invoke(Greetings.GREET, new Greet("Lin")).orElseThrow();
              assertThat(recording.invoked).contains(id);
              assertThat(recording.started)
                  .containsExactly(
                      context.getBean(OrchestratorLifecycle.class).info().orElseThrow().id());
            });
  }

  @Test
  void healthIsDownOnceTheOrchestratorStoppedByItself() {
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorHealthAutoConfiguration.class))
        .withUserConfiguration(Greetings.class)
        .run(
            context -> {
              PgConductorHealthIndicator health = context.getBean(PgConductorHealthIndicator.class);
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
              // as when a newer version asks it to drain: it stops without the context
              context.getBean(OrchestratorLifecycle.class).orchestrator().orElseThrow().close();
              assertThat(context.getBean(OrchestratorLifecycle.class).isRunning()).isFalse();
              assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
              assertThat(health.health().getDetails())
                  .containsEntry("reason", "the orchestrator is not running");
            });
  }

  @Test
  void withoutActuatorThereIsNoHealthIndicatorNorEndpoint() {
    runner
        .withConfiguration(
            AutoConfigurations.of(
                PgConductorHealthAutoConfiguration.class,
                PgConductorEndpointAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class, Endpoint.class))
        .withPropertyValues(
            "pgconductor.orchestrator.enabled=false", "management.endpoints.web.exposure.include=*")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(Conductor.class);
              assertThat(context).doesNotHaveBean(PgConductorHealthIndicator.class);
              assertThat(context).doesNotHaveBean(PgConductorEndpoint.class);
            });
  }

  @Test
  void twoDifferentDefinitionsOfOneNameFailTheStart() {
    runner
        .withUserConfiguration(Clashing.class)
        .withPropertyValues("pgconductor.orchestrator.enabled=false")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("task 'greet' is defined twice, differently"));
  }

  private static boolean registered(String orchestratorId) throws SQLException {
    return count(
            "select count(*) from pgconductor.orchestrators where id = '" + orchestratorId + "'")
        == 1;
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(URL);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Clashing {
    @Bean
    TaskSchemas schemas() {
      return TaskSchemas.of(Greetings.GREET);
    }

    @Bean
    TaskDefinition<Greet, Void> otherGreet() {
      return TaskDefinition.of("greet", Greet.class);
    }
  }

  /** A listener bean, as a metrics or tracing module would provide. */
  @Configuration(proxyBeanMethods = false)
  static class Recording implements ConductorListener {
    final List<String> invoked = new CopyOnWriteArrayList<>();
    final List<String> started = new CopyOnWriteArrayList<>();

    @Override
    public void executionInvoked(Invoked event) {
      invoked.add(event.executionId());
    }

    @Override
    public void orchestratorStarted(OrchestratorStarted event) {
      started.add(event.orchestratorId());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnConductor {
    @Bean
    Conductor<Void> myConductor() {
      return Conductor.builder().connectionString(URL).tasks(TaskSchemas.empty()).build();
    }
  }

  @Test
  void theDashboardStartsWithTheContextWhenEnabledAndStopsWithIt() {
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorDashboardAutoConfiguration.class))
        .withPropertyValues(
            "pgconductor.orchestrator.enabled=false",
            "pgconductor.dashboard.enabled=true",
            "pgconductor.dashboard.port=0",
            "pgconductor.dashboard.token=spring-token")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              context.getBean(Conductor.class).ensureInstalled();
              Dashboard dashboard = context.getBean(Dashboard.class);
              HttpClient http = HttpClient.newHttpClient();
              URI overview = URI.create(dashboard.url());
              assertThat(
                      http.send(
                              HttpRequest.newBuilder(overview).build(),
                              HttpResponse.BodyHandlers.ofString())
                          .statusCode())
                  .isEqualTo(401);
              HttpResponse<String> page =
                  http.send(
                      HttpRequest.newBuilder(overview)
                          .header("Authorization", "Bearer spring-token")
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              assertThat(page.statusCode()).isEqualTo(200);
              assertThat(page.body()).contains("Orchestrators");
            });
  }

  @Test
  void theDashboardIsOffUnlessEnabled() {
    runner
        .withConfiguration(AutoConfigurations.of(PgConductorDashboardAutoConfiguration.class))
        .withPropertyValues("pgconductor.orchestrator.enabled=false")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(Dashboard.class);
            });
  }
}
