package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Enqueue in the caller's transaction: an execution invoked on the application's own connection
 * exists exactly when the application's transaction commits, together with its own writes.
 */
class TransactionalInvokeIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Welcome(String email) {}

  static final TaskDefinition<Welcome, String> WELCOME =
      TaskDefinition.of("welcome", Welcome.class, String.class);
  static final TaskDefinition<Welcome, String> QUIET =
      TaskDefinition.of("quiet", Welcome.class, String.class);

  @Test
  void anInvokeInTheCallersTransactionCommitsAndRollsBackWithIt() throws Exception {
    db.execute("create table users (email text primary key)");
    try (var conductor = db.conductor(TaskSchemas.of(WELCOME)).build();
        var appPool = TestPostgres.pool(db.url(), 2)) { // the application's own pool
      var task =
          conductor.createTask(
              TaskOptions.of(WELCOME),
              Trigger.invocable(),
              (e, ctx) -> "hi " + e.payload().email());
      conductor.ensureInstalled();
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(task)
              // only the notification sent at the commit can wake it in time
              .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMinutes(1)).build())
              .handleSignals(false)
              .build()) {
        orchestrator.start();

        String committed;
        try (Connection c = appPool.getConnection()) {
          c.setAutoCommit(false);
          insertUser(c, "a@example.com");
          committed = conductor.invoke(c, WELCOME, new Welcome("a@example.com")).orElseThrow();
          assertThat(conductor.getExecution(committed))
              .as("not visible outside the transaction before it commits")
              .isEmpty();
          c.commit();
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    conductor.getExecution(committed).orElseThrow().state()
                        == ExecutionState.COMPLETED);

        List<String> rolledBack;
        try (Connection c = appPool.getConnection()) {
          c.setAutoCommit(false);
          insertUser(c, "b@example.com");
          rolledBack =
              conductor.invokeBatch(
                  c,
                  WELCOME,
                  List.of(
                      Invocation.of(new Welcome("b@example.com")),
                      Invocation.of(new Welcome("c@example.com"))));
          c.rollback();
        }
        assertThat(rolledBack).hasSize(2);
        assertThat(rolledBack).allSatisfy(id -> assertThat(conductor.getExecution(id)).isEmpty());
        assertThat(db.queryLong("select count(*) from users where email = 'b@example.com'"))
            .isZero();

        try (Connection c = appPool.getConnection()) { // autocommit: stored at once
          String now = conductor.invoke(c, WELCOME, new Welcome("d@example.com")).orElseThrow();
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      conductor.getExecution(now).orElseThrow().state()
                          == ExecutionState.COMPLETED);
        }
      }
    }
  }

  @Test
  void anInvalidPayloadOrAnUnknownTaskWritesNothingAndLeavesTheTransactionUsable()
      throws Exception {
    try (var conductor = db.conductor(TaskSchemas.of(WELCOME)).build();
        var appPool = TestPostgres.pool(db.url(), 1)) {
      conductor.ensureInstalled();
      try (Connection c = appPool.getConnection()) {
        c.setAutoCommit(false);
        assertThatThrownBy(() -> conductor.invoke(c, QUIET, new Welcome("x")))
            .isInstanceOf(UnknownTaskException.class);
        assertThatThrownBy(() -> conductor.invoke(c, WELCOME, null))
            .isInstanceOf(InvalidPayloadException.class);
        try (var st = c.createStatement()) {
          st.execute("select 1"); // the transaction is still usable
        }
        c.rollback();
      }
    }
  }

  private static void insertUser(Connection c, String email) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("insert into users values (?)")) {
      ps.setString(1, email);
      ps.executeUpdate();
    }
  }
}
