package dev.pgconductor.support;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.testing.FaultyDataSource;
import dev.pgconductor.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Run in a child JVM by a signal test: an orchestrator whose start is slow right after it has
 * registered (its database answers the next call only once a signal came), so the test can send a
 * signal in that window. Prints "STARTED id" once registered, before the start returns.
 */
public final class SlowStartWorkerMain {
  static final TaskDefinition<String, String> ECHO =
      TaskDefinition.of("echo", String.class, String.class);

  private SlowStartWorkerMain() {}

  public static void main(String[] args) throws Exception {
    var pool = TestPostgres.pool(args[0], 5);
    FaultyDataSource database = new FaultyDataSource(pool);
    var conductor = Conductor.builder().dataSource(database).tasks(TaskSchemas.of(ECHO)).build();
    var task = conductor.createTask(TaskOptions.of(ECHO), Trigger.invocable(), (e, ctx) -> "");
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .heartbeatInterval(Duration.ofMillis(200))
            .heartbeatTimeout(Duration.ofSeconds(3))
            .build(); // handleSignals: true, the default
    String id = orchestrator.info().id();
    AtomicReference<CountDownLatch> held = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean announced =
        new java.util.concurrent.atomic.AtomicBoolean();
    held.set(
        database.holdConnections(
            thread -> {
              if (!thread.equals("main") || held.get().getCount() == 0 || !registered(pool, id)) {
                return false; // held once only: the calls after the signal go through
              }
              if (!announced.get()) {
                System.out.println("STARTED " + id);
                System.out.flush();
              }
              // the slow call returns once the signal came: its shutdown hook runs beside the
              // orchestrator's, whose stop waits for this start to end
              CountDownLatch latch = held.get();
              if (announced.compareAndSet(false, true)) {
                Runtime.getRuntime().addShutdownHook(new Thread(latch::countDown));
              }
              return true;
            }));
    orchestrator.start();
    orchestrator.stopped().join();
  }

  private static boolean registered(DataSource pool, String id) {
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select count(*) from pgconductor.orchestrators where id = '" + id + "'")) {
      rs.next();
      return rs.getInt(1) > 0;
    } catch (SQLException e) {
      return false; // not installed yet
    }
  }
}
