package dev.pgconductor.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.OrchestratorInfo;
import dev.pgconductor.spring.Greetings.Greet;
import dev.pgconductor.spring.actuate.PgConductorEndpoint;
import dev.pgconductor.spring.actuate.PgConductorEndpoint.Report;
import dev.pgconductor.spring.actuate.PgConductorHealthIndicator;
import dev.pgconductor.testing.ClassDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.junit.jupiter.SpringExtension;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A Spring Boot application with every auto-configuration on the class path (Actuator included),
 * against Postgres: invokes in {@code @Transactional} methods commit and roll back with them, the
 * Task bean runs, the health indicator and the endpoint answer.
 */
// ClassDatabase first: its afterAll (drop the database) runs after Spring's (close the context)
@ExtendWith({ClassDatabase.class, SpringExtension.class})
@SpringBootTest(
    classes = SpringApplicationIT.App.class,
    properties = {
      "pgconductor.orchestrator.shutdown-grace=2s",
      "pgconductor.worker.poll-interval=100ms",
      "management.endpoints.web.exposure.include=health,pgconductor"
    })
@DirtiesContext
class SpringApplicationIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> ClassDatabase.urlFor(SpringApplicationIT.class));
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Greetings.class)
  static class App {
    @Bean
    Signups signups(JdbcTemplate jdbc, ConductorTemplate conductor) {
      return new Signups(jdbc, conductor);
    }
  }

  /** An application service that writes a row and invokes a task in one transaction. */
  static class Signups {
    private final JdbcTemplate jdbc;
    private final ConductorTemplate conductor;
    private volatile String lastInvoked;

    Signups(JdbcTemplate jdbc, ConductorTemplate conductor) {
      this.jdbc = jdbc;
      this.conductor = conductor;
    }

    @Transactional
    public String signUp(String name, boolean failAfterwards) {
      jdbc.update("insert into signups (name) values (?)", name);
      lastInvoked = conductor.invoke(Greetings.GREET, new Greet(name)).orElseThrow();
      if (failAfterwards) {
        throw new IllegalStateException("the sign-up fails after the invoke");
      }
      return lastInvoked;
    }

    /** The last execution invoked (a method: the field of the transactional proxy is unused). */
    public String lastInvoked() {
      return lastInvoked;
    }
  }

  @Autowired Signups signups;
  @Autowired Conductor<?> conductor;
  @Autowired ConductorTemplate template;
  @Autowired TransactionTemplate transactions;
  @Autowired JdbcTemplate jdbc;
  @Autowired OrchestratorLifecycle lifecycle;
  @Autowired PgConductorHealthIndicator health;
  @Autowired PgConductorEndpoint endpoint;

  @BeforeEach
  void table() {
    jdbc.execute("create table if not exists signups (name text primary key)");
  }

  @Test
  void anInvokeInATransactionalMethodCommitsWithItAndRuns() {
    String id = signups.signUp("ada", false);

    assertThat(jdbc.queryForObject("select count(*) from signups where name = 'ada'", Long.class))
        .isOne();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var execution = conductor.getExecution(Greetings.GREET, id).orElseThrow();
              assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
              assertThat(execution.result()).isEqualTo("Hello, ada");
            });
  }

  @Test
  void anInvokeInATransactionalMethodThatFailsIsRolledBack() throws Exception {
    assertThatThrownBy(() -> signups.signUp("bob", true)).isInstanceOf(IllegalStateException.class);

    String id = signups.lastInvoked();
    assertThat(id).isNotNull();
    assertThat(jdbc.queryForObject("select count(*) from signups where name = 'bob'", Long.class))
        .isZero();
    assertThat(conductor.getExecution(id)).isEmpty();
    assertThat(storedAnywhere(id)).isFalse();
  }

  @Test
  void theExecutionIsInvisibleToOthersUntilTheTransactionCommits() {
    String id =
        transactions.execute(
            status -> {
              String invoked = template.invoke(Greetings.GREET, new Greet("carl")).orElseThrow();
              assertThat(storedAnywhere(invoked)).as("seen from another connection").isFalse();
              return invoked;
            });
    assertThat(storedAnywhere(id)).isTrue();
  }

  @Test
  void outsideATransactionTheTemplateCommitsAtOnce() {
    assertThat(ConductorTemplate.inTransaction()).isFalse();
    String id = template.invoke(Greetings.GREET, new Greet("dora")).orElseThrow();
    assertThat(storedAnywhere(id)).isTrue();
  }

  @Test
  void theHealthIndicatorIsUpWithARunningOrchestratorAndAFreshHeartbeat() {
    Health h = health.health();
    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).containsEntry("database", "reachable");
    assertThat(h.getDetails().get("orchestrator")).isInstanceOf(OrchestratorInfo.class);
    assertThat(((OrchestratorInfo) h.getDetails().get("orchestrator")).running()).isTrue();
    assertThat(h.getDetails()).containsKey("sinceHeartbeat");
  }

  @Test
  void theEndpointListsQueuesAndOrchestrators() {
    Report report = endpoint.report();
    String self = lifecycle.info().orElseThrow().id();

    assertThat(report.self().id()).isEqualTo(self);
    assertThat(report.queues()).extracting(PgConductorEndpoint.Queue::name).contains("default");
    assertThat(report.orchestrators())
        .filteredOn(PgConductorEndpoint.OrchestratorEntry::self)
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.id()).isEqualTo(self);
              assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid());
              assertThat(o.sinceHeartbeat()).isLessThan(Duration.ofSeconds(30));
            });
  }

  /** Whether the execution is stored, as another connection sees it. */
  private static boolean storedAnywhere(String id) {
    try (Connection c =
            DriverManager.getConnection(ClassDatabase.urlFor(SpringApplicationIT.class));
        PreparedStatement ps =
            c.prepareStatement("select count(*) from pgconductor.all_executions where id = ?")) {
      ps.setObject(1, UUID.fromString(id));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 1;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
