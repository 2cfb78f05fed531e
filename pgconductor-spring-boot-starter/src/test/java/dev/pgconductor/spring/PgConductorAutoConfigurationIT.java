package dev.pgconductor.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.Execution;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.spring.Greetings.Greet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration in real application contexts against Postgres. */
class PgConductorAutoConfigurationIT {
  private static final String URL = TestDatabase.create();

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
    TestDatabase.drop(URL);
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
    String url = TestDatabase.create();
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
      TestDatabase.drop(url);
    }
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
  static class OwnConductor {
    @Bean
    Conductor<Void> myConductor() {
      return Conductor.builder().connectionString(URL).tasks(TaskSchemas.empty()).build();
    }
  }
}
