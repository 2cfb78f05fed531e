package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.support.ChildJvm;
import dev.pgconductor.support.SlowStartWorkerMain;
import dev.pgconductor.testing.FaultyDataSource;
import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestPostgres;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Starting with the database down, and stopping while starting: an orchestrator waits for the
 * database when asked to (and only then), and a stop that arrives during the start (a signal)
 * leaves nothing registered.
 */
class StartupIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<String, String> ECHO =
      TaskDefinition.of("echo", String.class, String.class);

  @Test
  void anOrchestratorWaitsForTheDatabaseWithinItsStartupTimeout() throws Exception {
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource database = new FaultyDataSource(pool);
      database.refuseAll();
      try (var conductor =
          Conductor.builder().dataSource(database).tasks(TaskSchemas.of(ECHO)).build()) {
        var task =
            conductor.createTask(
                TaskOptions.of(ECHO), Trigger.invocable(), (e, ctx) -> "echo " + e.payload());
        try (var orchestrator =
            Orchestrator.builder(conductor)
                .tasks(task)
                .startupTimeout(Duration.ofSeconds(30))
                .handleSignals(false)
                .build()) {
          CompletableFuture<Void> started = CompletableFuture.runAsync(orchestrator::start);
          await().atMost(Duration.ofSeconds(10)).until(() -> database.refusedCount() >= 2);
          assertThat(started).as("still waiting for the database").isNotDone();

          database.heal();
          started.get(20, TimeUnit.SECONDS);
          String id = conductor.invoke(ECHO, "up").orElseThrow();
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
        }
      }
    }
  }

  @Test
  void lostAnswersWhileRegisteringAreTriedAgainAndDoNotFailTheStart() {
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource database = new FaultyDataSource(pool);
      try (var conductor =
          Conductor.builder().dataSource(database).tasks(TaskSchemas.of(ECHO)).build()) {
        conductor.ensureInstalled();
        var task =
            conductor.createTask(
                TaskOptions.of(ECHO), Trigger.invocable(), (e, ctx) -> "echo " + e.payload());
        // the registration of the tasks and of the orchestrator take effect, but the answers of
        // their first tries are lost; no startupTimeout is set
        database.loseStatementAnswers(
            sql ->
                sql.startsWith("select pgconductor.register_tasks(")
                    || sql.startsWith("select pgconductor.register("),
            2);
        try (var orchestrator =
            Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
          orchestrator.start();
          assertThat(database.statementAnswersLeftToLose()).as("both answers lost").isZero();
          assertThat(orchestrator.info().running()).isTrue();
          assertThat(
                  db.dataSourceQueryString(
                      "select count(*) || ' registered, serving ' || string_agg(s.task_key, ',')"
                          + " from pgconductor.orchestrators o join pgconductor.served_tasks s"
                          + " on s.orchestrator = o.id where o.id = '"
                          + orchestrator.info().id()
                          + "'"))
              .isEqualTo("1 registered, serving echo");
          String id = conductor.invoke(ECHO, "up").orElseThrow();
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
        }
      }
    }
  }

  @Test
  void withoutAStartupTimeoutAnUnreachableDatabaseFailsTheStartAtOnce() {
    try (var pool = TestPostgres.pool(db.url(), 2)) {
      FaultyDataSource database = new FaultyDataSource(pool);
      database.refuseAll();
      try (var conductor =
          Conductor.builder().dataSource(database).tasks(TaskSchemas.of(ECHO)).build()) {
        var task = conductor.createTask(TaskOptions.of(ECHO), Trigger.invocable(), (e, ctx) -> "");
        var orchestrator = Orchestrator.builder(conductor).tasks(task).handleSignals(false).build();
        assertThatThrownBy(orchestrator::start)
            .isInstanceOf(PgConductorException.class)
            .hasMessageContaining("Connection refused");
        assertThat(database.refusedCount()).as("tried once, no waiting").isOne();
        assertThat(orchestrator.stopped()).isDone();
      }
    }
  }

  @Test
  void aStartupTimeoutDoesNotWaitOnAnythingButAnUnreachableDatabase() {
    try (var conductor = db.conductor(TaskSchemas.of(ECHO)).build()) {
      conductor.ensureInstalled();
      db.execute("update pgconductor.schema_migrations set name = 'V000__older.sql'");
      try {
        var task = conductor.createTask(TaskOptions.of(ECHO), Trigger.invocable(), (e, ctx) -> "");
        var orchestrator =
            Orchestrator.builder(conductor)
                .tasks(task)
                .startupTimeout(Duration.ofMinutes(5))
                .handleSignals(false)
                .build();
        long started = System.nanoTime();
        assertThatThrownBy(orchestrator::start).isInstanceOf(PgConductorException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
            .as("failed at once")
            .isLessThan(Duration.ofSeconds(10));
      } finally {
        db.execute("update pgconductor.schema_migrations set name = 'V001__baseline.sql'");
      }
    }
  }

  @Test
  void aStopDuringTheStartLeavesNothingRegistered() throws Exception {
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource database = new FaultyDataSource(pool);
      try (var conductor =
          Conductor.builder().dataSource(database).tasks(TaskSchemas.of(ECHO)).build()) {
        conductor.ensureInstalled();
        var task = conductor.createTask(TaskOptions.of(ECHO), Trigger.invocable(), (e, ctx) -> "");
        var orchestrator = Orchestrator.builder(conductor).tasks(task).handleSignals(false).build();
        // the start is held once it has registered the orchestrator, as a slow database would
        CountDownLatch letGo =
            database.holdConnections(name -> name.equals("starter") && registeredCount() > 0);
        CompletableFuture<Throwable> start = new CompletableFuture<>();
        Thread.ofPlatform()
            .name("starter")
            .start(
                () -> {
                  try {
                    orchestrator.start();
                    start.complete(null);
                  } catch (Throwable e) {
                    start.complete(e);
                  }
                });
        await().atMost(Duration.ofSeconds(10)).until(() -> registeredCount() == 1);

        CompletableFuture<Void> stopped = orchestrator.stop(); // what a SIGINT's hook does
        assertThat(stopped).as("the stop waits for the start to end").isNotDone();
        letGo.countDown();
        stopped.get(30, TimeUnit.SECONDS);
        start.get(30, TimeUnit.SECONDS);
        assertThat(registeredCount()).as("orchestrators left registered").isZero();
        assertThat(orchestrator.info().stopped()).isTrue();
      }
    }
  }

  @Test
  void aSignalWhileTheStartIsStillRunningStopsTheProcessWithNothingRegistered() throws Exception {
    try (var conductor = db.conductor(TaskSchemas.of(ECHO)).build()) {
      conductor.ensureInstalled();
    }
    // the child prints STARTED once registered, while its start is held until a signal comes
    try (ChildJvm child = ChildJvm.start(SlowStartWorkerMain.class, db.url())) {
      assertThat(registeredCount()).isOne();
      child.terminate(); // SIGTERM; SIGINT runs the same shutdown hook
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the process exited").isTrue();
    }
    assertThat(registeredCount()).as("orchestrators left registered").isZero();
  }

  private static long registeredCount() {
    return db.queryLong("select count(*) from pgconductor.orchestrators");
  }
}
