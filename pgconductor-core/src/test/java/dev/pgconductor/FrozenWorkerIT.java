package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.FaultyDataSource;
import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker frozen inside a transactional step (a GC pause, a stopped VM, a partition) holds its
 * execution's row lock. Healthy orchestrators keep heartbeating regardless, Postgres ends the
 * frozen transaction once it has sat idle for the heartbeat timeout, and the execution is rescued
 * and completed elsewhere, its transactional effect applied exactly once.
 */
class FrozenWorkerIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<String, String> PAY =
      TaskDefinition.of("pay", String.class, String.class);

  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final Duration TIMEOUT = Duration.ofMillis(1500);

  @Test
  void aFrozenWorkerNeitherStallsHealthyHeartbeatsNorKeepsItsExecution() throws Exception {
    db.execute("create table payments (execution text, paid_by text)");
    AtomicBoolean freezeNextBody = new AtomicBoolean(true);
    CountDownLatch frozenInBody = new CountDownLatch(1);
    CountDownLatch thaw = new CountDownLatch(1);
    String id;
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource frozenSide = new FaultyDataSource(pool);
      try (var frozenConductor =
              Conductor.builder().dataSource(frozenSide).tasks(TaskSchemas.of(PAY)).build();
          var healthyConductor = db.conductor(TaskSchemas.of(PAY)).build()) {
        frozenConductor.ensureInstalled();
        var frozenTask = pay(frozenConductor, "frozen", freezeNextBody, frozenInBody, thaw);
        var healthyTask = pay(healthyConductor, "healthy", freezeNextBody, frozenInBody, thaw);
        try (var frozen = orchestrator(frozenConductor, frozenTask);
            var healthy = orchestrator(healthyConductor, healthyTask)) {
          frozen.start();
          id = frozenConductor.invoke(PAY, "order-1").orElseThrow();
          assertThat(frozenInBody.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
          // the frozen process: its heartbeat stops too, and its body holds the row lock
          String heartbeatThread = heartbeatThread(frozen.info().id());
          CountDownLatch unfreezeHeartbeat =
              frozenSide.holdConnections(name -> name.equals(heartbeatThread));

          healthy.start();
          AtomicLong worstHeartbeatAgeMillis = new AtomicLong();
          await()
              .atMost(Duration.ofSeconds(20))
              .pollInterval(Duration.ofMillis(50))
              .until(
                  () -> {
                    worstHeartbeatAgeMillis.accumulateAndGet(
                        heartbeatAgeMillis(healthy.info().id()), Math::max);
                    return healthyConductor.getExecution(id).orElseThrow().state()
                        == ExecutionState.COMPLETED;
                  });
          assertThat(worstHeartbeatAgeMillis.get())
              .as("age of the healthy orchestrator's heartbeat while the frozen one held a lock")
              .isLessThan(TIMEOUT.toMillis() / 2);
          var execution = healthyConductor.getExecution(PAY, id).orElseThrow();
          assertThat(execution.result()).isEqualTo("paid by healthy");
          assertThat(execution.attempts())
              .as("the frozen run was abandoned, not failed")
              .isEqualTo(1);

          // the frozen process wakes up: nothing it does changes the outcome
          thaw.countDown();
          unfreezeHeartbeat.countDown();
          await().atMost(Duration.ofSeconds(10)).until(() -> registered(frozen.info().id()));
        }
        var execution = healthyConductor.getExecution(PAY, id).orElseThrow();
        assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
        assertThat(execution.result()).isEqualTo("paid by healthy");
        assertThat(db.queryLong("select count(*) from payments where execution = ?", id))
            .as("the frozen transaction was rolled back; the payment happened once")
            .isOne();
      }
    }
  }

  @Test
  void aThawedWorkerRunsNoStepThatAnotherRecordedMeanwhile() throws Exception {
    AtomicBoolean holdNextRun = new AtomicBoolean(true);
    CountDownLatch pastStepOne = new CountDownLatch(1);
    CountDownLatch thaw = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger stepTwoRuns =
        new java.util.concurrent.atomic.AtomicInteger();
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource frozenSide = new FaultyDataSource(pool);
      try (var frozenConductor =
              Conductor.builder().dataSource(frozenSide).tasks(TaskSchemas.of(PAY)).build();
          var healthyConductor = db.conductor(TaskSchemas.of(PAY)).build()) {
        frozenConductor.ensureInstalled();
        TaskHandler<String, String, Void> handler =
            (event, ctx) -> {
              ctx.step("one", () -> {});
              if (holdNextRun.getAndSet(false)) {
                pastStepOne.countDown();
                thaw.await(); // frozen between two steps
              }
              ctx.step("two", stepTwoRuns::incrementAndGet);
              return "done";
            };
        var frozenTask =
            frozenConductor.createTask(TaskOptions.of(PAY), Trigger.invocable(), handler);
        var healthyTask =
            healthyConductor.createTask(TaskOptions.of(PAY), Trigger.invocable(), handler);
        try (var frozen = orchestrator(frozenConductor, frozenTask);
            var healthy = orchestrator(healthyConductor, healthyTask)) {
          frozen.start();
          String id = frozenConductor.invoke(PAY, "order-2").orElseThrow();
          assertThat(pastStepOne.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
          String heartbeatThread = heartbeatThread(frozen.info().id());
          CountDownLatch unfreezeHeartbeat =
              frozenSide.holdConnections(name -> name.equals(heartbeatThread));

          healthy.start(); // rescues the execution and runs step two
          awaitCompleted(healthyConductor, id);
          assertThat(stepTwoRuns).hasValue(1);

          // the frozen process thaws: its handler reaches step two, which another recorded
          thaw.countDown();
          unfreezeHeartbeat.countDown();
          await().atMost(Duration.ofSeconds(10)).until(() -> registered(frozen.info().id()));
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> frozen.info().running() && idle(frozen));
          assertThat(stepTwoRuns).as("step two ran once, on the healthy orchestrator").hasValue(1);
        }
      }
    }
  }

  /**
   * A claim whose answer is held up on the network (a partition that heals) while peers declare its
   * orchestrator dead, rescue the execution and finish it: the answer arrives after the
   * orchestrator has registered again, and the run must count the claim from when it was sent.
   */
  @Test
  void aClaimAnsweredAfterItsOrchestratorRegisteredAgainRunsNothing() throws Exception {
    AtomicInteger stepRuns = new AtomicInteger();
    CountDownLatch frozenReleased = new CountDownLatch(1);
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource frozenSide = new FaultyDataSource(pool);
      try (var frozenConductor =
              Conductor.builder().dataSource(frozenSide).tasks(TaskSchemas.of(PAY)).build();
          var healthyConductor = db.conductor(TaskSchemas.of(PAY)).build()) {
        frozenConductor.ensureInstalled();
        TaskHandler<String, String, Void> handler =
            (event, ctx) -> {
              ctx.step("one", stepRuns::incrementAndGet);
              return "done";
            };
        var frozenTask =
            frozenConductor.createTask(TaskOptions.of(PAY), Trigger.invocable(), handler);
        var healthyTask =
            healthyConductor.createTask(TaskOptions.of(PAY), Trigger.invocable(), handler);
        try (var frozen = orchestrator(frozenConductor, frozenTask, onReleased(frozenReleased));
            var healthy = orchestrator(healthyConductor, healthyTask)) {
          String id = frozenConductor.invoke(PAY, "order-3").orElseThrow();
          CountDownLatch claimAnswer =
              frozenSide.holdNextAnswer(sql -> sql.contains("pgconductor.claim("));
          frozen.start();
          assertThat(frozenSide.answerHeld().await(10, TimeUnit.SECONDS)).isTrue();
          String frozenId = frozen.info().id();
          CountDownLatch heartbeat =
              frozenSide.holdConnections(name -> name.equals(heartbeatThread(frozenId)));

          healthy.start(); // declares the silent one dead, rescues the execution, runs it
          awaitCompleted(healthyConductor, id);
          assertThat(registered(frozenId)).isFalse();

          // the partition heals: the heartbeat first (it registers again), then the claim's answer
          heartbeat.countDown();
          await().atMost(Duration.ofSeconds(10)).until(() -> registered(frozenId));
          claimAnswer.countDown();
          assertThat(frozenReleased.await(10, TimeUnit.SECONDS))
              .as("the run of the stale claim was handed back")
              .isTrue();
          assertThat(stepRuns).as("step one ran once, on the healthy orchestrator").hasValue(1);
        }
      }
    }
  }

  /**
   * A heartbeat that reached the database and whose answer was then held up past the heartbeat
   * timeout vouches only for the moment it was sent: peers may have declared the orchestrator dead
   * meanwhile, so a run waiting at a step boundary keeps waiting until a later heartbeat tells.
   */
  @Test
  void aHeartbeatAnswerHeldPastTheTimeoutDoesNotLetAStaleRunGoOn() throws Exception {
    AtomicBoolean holdNextRun = new AtomicBoolean(true);
    CountDownLatch pastStepOne = new CountDownLatch(1);
    CountDownLatch thaw = new CountDownLatch(1);
    CountDownLatch frozenReleased = new CountDownLatch(1);
    AtomicInteger stepTwoRuns = new AtomicInteger();
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource frozenSide = new FaultyDataSource(pool);
      try (var frozenConductor =
              Conductor.builder().dataSource(frozenSide).tasks(TaskSchemas.of(PAY)).build();
          var healthyConductor = db.conductor(TaskSchemas.of(PAY)).build()) {
        frozenConductor.ensureInstalled();
        TaskHandler<String, String, Void> handler =
            (event, ctx) -> {
              ctx.step("one", () -> {});
              if (holdNextRun.getAndSet(false)) {
                pastStepOne.countDown();
                thaw.await();
              }
              ctx.step("two", stepTwoRuns::incrementAndGet);
              return "done";
            };
        var frozenTask =
            frozenConductor.createTask(TaskOptions.of(PAY), Trigger.invocable(), handler);
        var healthyTask =
            healthyConductor.createTask(TaskOptions.of(PAY), Trigger.invocable(), handler);
        try (var frozen = orchestrator(frozenConductor, frozenTask, onReleased(frozenReleased));
            var healthy = orchestrator(healthyConductor, healthyTask)) {
          frozen.start();
          String id = frozenConductor.invoke(PAY, "order-4").orElseThrow();
          assertThat(pastStepOne.await(10, TimeUnit.SECONDS)).isTrue();
          String frozenId = frozen.info().id();
          // the next heartbeat updates the row, and then its answer is held up
          CountDownLatch heartbeatAnswer =
              frozenSide.holdNextAnswer(sql -> sql.contains("pgconductor.heartbeat("));
          assertThat(frozenSide.answerHeld().await(10, TimeUnit.SECONDS)).isTrue();

          healthy.start(); // rescues the execution and runs step two
          awaitCompleted(healthyConductor, id);
          assertThat(stepTwoRuns).hasValue(1);

          // the run reaches step two and waits (its heartbeat is old); then the answer arrives
          thaw.countDown();
          heartbeatAnswer.countDown();
          assertThat(frozenReleased.await(10, TimeUnit.SECONDS))
              .as("the stale run was handed back")
              .isTrue();
          assertThat(stepTwoRuns).as("step two ran once, on the healthy orchestrator").hasValue(1);
        }
      }
    }
  }

  @Test
  void heartbeatAndRescueReturnAtOnceWhileAnExecutionRowIsLocked() throws Exception {
    try (var conductor = db.conductor(TaskSchemas.of(PAY)).build()) {
      conductor.ensureInstalled();
      db.execute("truncate pgconductor.executions");
      String id = conductor.invoke(PAY, "locked").orElseThrow();
      db.holdByDeadOrchestrator(id, null);
      UUID rescuer = UUID.randomUUID();
      db.execute(
          "select pgconductor.register('"
              + rescuer
              + "', 'h', 1, '{}', '{}'); update pgconductor.orchestrators"
              + " set live_since = now() - interval '1 hour' where id = '"
              + rescuer
              + "'");
      try (Connection locker = DriverManager.getConnection(db.url());
          Connection beating = DriverManager.getConnection(db.url())) {
        locker.setAutoCommit(false);
        try (var lock = locker.createStatement()) {
          lock.execute("select 1 from pgconductor.executions where id = '" + id + "' for update");
        }
        try (var statement = beating.createStatement()) {
          statement.execute("set statement_timeout = '3s'"); // fails the test instead of hanging
          statement.execute(
              "select pgconductor.heartbeat('"
                  + rescuer
                  + "', interval '1 minute', interval '1 second')");
          try (ResultSet rs =
              statement.executeQuery(
                  "select pgconductor.rescue('" + rescuer + "', interval '1 minute', null)")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the locked execution is left for later").isZero();
          }
        }
        assertThat(db.queryLong("select count(*) from pgconductor.orchestrators")).isEqualTo(2);
        locker.rollback();
        try (var statement = beating.createStatement();
            ResultSet rs =
                statement.executeQuery(
                    "select pgconductor.rescue('" + rescuer + "', interval '1 minute', null)")) {
          rs.next();
          assertThat(rs.getInt(1)).as("released once the lock is gone").isOne();
        }
        assertThat(db.queryLong("select count(*) from pgconductor.orchestrators")).isOne();
      } finally {
        db.execute("truncate pgconductor.executions");
        db.execute("delete from pgconductor.orchestrators");
      }
    }
  }

  private static Task<String, String> pay(
      Conductor<Void> conductor,
      String who,
      AtomicBoolean freezeNextBody,
      CountDownLatch frozenInBody,
      CountDownLatch thaw) {
    return conductor.createTask(
        TaskOptions.of(PAY),
        Trigger.invocable(),
        (event, ctx) ->
            ctx.transactionalStep(
                "pay",
                String.class,
                connection -> {
                  try (PreparedStatement ps =
                      connection.prepareStatement("insert into payments values (?, ?)")) {
                    ps.setString(1, ctx.executionId());
                    ps.setString(2, who);
                    ps.executeUpdate();
                  }
                  if (freezeNextBody.getAndSet(false)) {
                    frozenInBody.countDown();
                    thaw.await(); // frozen, holding the row lock and an open transaction
                  }
                  return "paid by " + who;
                }));
  }

  private static Orchestrator orchestrator(Conductor<Void> conductor, Task<?, ?> task) {
    return orchestrator(conductor, task, new ConductorListener() {});
  }

  private static Orchestrator orchestrator(
      Conductor<Void> conductor, Task<?, ?> task, ConductorListener listener) {
    return Orchestrator.builder(conductor)
        .tasks(task)
        .listener(listener)
        .heartbeatInterval(INTERVAL)
        .heartbeatTimeout(TIMEOUT)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
        .handleSignals(false)
        .build();
  }

  private static long heartbeatAgeMillis(String orchestratorId) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select coalesce((extract(epoch from clock_timestamp() - last_heartbeat_at)"
                    + " * 1000)::bigint, 0) from pgconductor.orchestrators where id = ?::uuid")) {
      ps.setString(1, orchestratorId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  /** The orchestrator holds nothing in the database any more. */
  private static boolean idle(Orchestrator orchestrator) {
    return db.queryLong(
            "select count(*) from pgconductor.executions where locked_by = ?::uuid",
            orchestrator.info().id())
        == 0;
  }

  /** A listener that counts {@code latch} down when a run is handed back. */
  private static ConductorListener onReleased(CountDownLatch latch) {
    return new ConductorListener() {
      @Override
      public void executionReleased(Released event) {
        latch.countDown();
      }
    };
  }

  private static void awaitCompleted(Conductor<Void> conductor, String id) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
  }

  /** The name of an orchestrator's heartbeat thread. */
  private static String heartbeatThread(String orchestratorId) {
    return "pgconductor-" + orchestratorId.substring(28) + "-heartbeat";
  }

  private static boolean registered(String orchestratorId) {
    return db.queryLong(
            "select count(*) from pgconductor.orchestrators where id = ?::uuid", orchestratorId)
        == 1;
  }
}
