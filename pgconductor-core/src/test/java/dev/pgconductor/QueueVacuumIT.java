package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An orchestrator vacuums its busy queues' partitions itself, without waiting for autovacuum (which
 * is switched off on the partitions here, so only the orchestrator can have done it).
 */
class QueueVacuumIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<Integer, Void> VACUUMED =
      TaskDefinition.of("vacuumed", Integer.class, Void.class).onQueue("vacuumed");
  static final TaskDefinition<Integer, Void> UNVACUUMED =
      TaskDefinition.of("unvacuumed", Integer.class, Void.class).onQueue("unvacuumed");
  static final TaskDefinition<Integer, Void> SLOWLY_VACUUMED =
      TaskDefinition.of("slowly-vacuumed", Integer.class, Void.class).onQueue("slowly-vacuumed");

  /** Two dead row versions each: past the 50,000 at which a partition is vacuumed. */
  static final int EXECUTIONS = 30_000;

  @Test
  void aBusyQueuesPartitionIsVacuumedByItsOrchestrator() {
    String partition = drainOnQueue(VACUUMED, true).partition();
    await().atMost(Duration.ofSeconds(60)).until(() -> stat("vacuum_count", partition) > 0);
    assertThat(stat("n_dead_tup", partition))
        .as("dead row versions left in %s after its vacuum", partition)
        .isLessThan(EXECUTIONS / 10);
    assertThat(stat("autovacuum_count", partition)).isZero();
  }

  @Test
  void withVacuumQueuesOffThePartitionIsLeftToAutovacuum() {
    String partition = drainOnQueue(UNVACUUMED, false).partition();
    await().atMost(Duration.ofSeconds(60)).until(() -> stat("n_dead_tup", partition) >= 50_000);
    // the orchestrator looks every two seconds
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(10))
        .until(() -> stat("vacuum_count", partition) == 0);
  }

  @Test
  void stoppingTheOrchestratorCancelsAVacuumInProgress() {
    // the cost-based delay at its slowest: a vacuum of this partition would take a minute or more
    String database = db.dataSourceQueryString("select current_database()");
    db.execute(
        "alter database \""
            + database
            + "\" set vacuum_cost_delay = 100; alter database \""
            + database
            + "\" set vacuum_cost_limit = 1");
    try {
      Drained drained = drainOnQueue(SLOWLY_VACUUMED, true);
      String partition = drained.partition();
      String inProgress =
          "select count(*) from pg_stat_progress_vacuum where relid = ('pgconductor.' || ?)::regclass";
      await().atMost(Duration.ofSeconds(60)).until(() -> db.queryLong(inProgress, partition) > 0);
      drained.orchestrator().close();
      await().atMost(Duration.ofSeconds(10)).until(() -> db.queryLong(inProgress, partition) == 0);
    } finally {
      db.execute(
          "alter database \""
              + database
              + "\" reset vacuum_cost_delay; alter database \""
              + database
              + "\" reset vacuum_cost_limit");
    }
  }

  @Test
  void onlyAUserThatMayVacuumAPartitionIsGivenItToVacuum() throws SQLException {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(VACUUMED)).build());
    conductor.ensureInstalled();
    db.execute("select pgconductor.ensure_queue('elsewhere')");
    String role = "pgc_not_owner_" + Long.toHexString(System.nanoTime());
    String due =
        "select queue, can_vacuum from pgconductor.queues_to_vacuum(array['elsewhere'], 0, 0)";
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("create role " + role);
      try {
        st.execute("grant usage on schema pgconductor to " + role);
        st.execute("grant select on pgconductor.queues to " + role);
        assertThat(canVacuum(st, due)).as("the owner").isTrue();
        st.execute("set role " + role);
        assertThat(canVacuum(st, due)).as("a user that does not own the partition").isFalse();
        st.execute("reset role");
        if (db.queryLong("select current_setting('server_version_num')::int") >= 170000) {
          String partition =
              db.dataSourceQueryString(
                  "select partition from pgconductor.queues where name = 'elsewhere'");
          st.execute("grant maintain on pgconductor.\"" + partition + "\" to " + role);
          st.execute("set role " + role);
          assertThat(canVacuum(st, due)).as("a user granted MAINTAIN on the partition").isTrue();
          st.execute("reset role");
        }
      } finally {
        st.execute("reset role");
        st.execute("drop owned by " + role);
        st.execute("drop role " + role);
      }
    }
  }

  private static boolean canVacuum(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      assertThat(rs.next()).as("the queue's partition is listed").isTrue();
      assertThat(rs.getString(1)).isEqualTo("elsewhere");
      return rs.getBoolean(2);
    }
  }

  record Drained(String partition, Orchestrator orchestrator) {}

  /** Runs EXECUTIONS no-op executions of the task, on its queue, by an orchestrator it returns. */
  private static Drained drainOnQueue(TaskDefinition<Integer, Void> task, boolean vacuumQueues) {
    String queue = task.queue();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(task)).build());
    AtomicInteger done = new AtomicInteger();
    var noop =
        conductor.createTask(
            TaskOptions.of(task),
            Trigger.invocable(),
            (event, ctx) -> {
              done.incrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(noop)
                .vacuumQueues(vacuumQueues)
                .handleSignals(false)
                .build());
    orchestrator.start(); // creates the queue's partition
    String partition =
        db.dataSourceQueryString(
            "select partition from pgconductor.queues where name = '" + queue + "'");
    db.execute("alter table pgconductor." + partition + " set (autovacuum_enabled = false)");
    List<Invocation<Integer>> batch = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      batch.add(Invocation.of(i));
    }
    for (int n = 0; n < EXECUTIONS; n += batch.size()) {
      conductor.invokeBatch(task, batch);
    }
    await().atMost(Duration.ofMinutes(2)).until(() -> done.get() >= EXECUTIONS);
    return new Drained(partition, orchestrator);
  }

  /** A counter of pg_stat_user_tables for the partition. */
  private static long stat(String column, String partition) {
    return db.queryLong(
        "select coalesce("
            + column
            + ", 0) from pg_stat_user_tables where relid = ('pgconductor.' || ?)::regclass",
        partition);
  }
}
