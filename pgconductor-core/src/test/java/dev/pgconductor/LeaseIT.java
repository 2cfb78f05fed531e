package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases (WRK-9): an orchestrator declared dead loses its executions, and its late write cannot
 * overwrite what the orchestrator that took over did; it claims nothing more until it registers
 * again, even with a claim in flight while it is declared dead; an orchestrator's row deleted by
 * hand (or the table truncated) releases what it held at once, as a rescue would.
 */
class LeaseIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(String name) {}

  static final TaskDefinition<Job, String> JOB = TaskDefinition.of("job", Job.class, String.class);

  @Test
  void aRescuedExecutionCompletedBySecondOrchestratorIsNotOverwrittenByTheFirstsLateWrite() {
    // first orchestrator: its handler hangs until we let it go; it heartbeats too rarely to matter
    var first = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).build());
    CountDownLatch letFirstFinish = new CountDownLatch(1);
    CountDownLatch firstStarted = new CountDownLatch(1);
    var slow =
        first.createTask(
            TaskOptions.of(JOB),
            Trigger.invocable(),
            (e, ctx) -> {
              firstStarted.countDown();
              letFirstFinish.await();
              return "written by the first";
            });
    first.ensureInstalled();
    String id = first.invoke(JOB, new Job("x")).orElseThrow();
    // Two more, which the first claims into its buffer behind the hanging one: with one handler
    // slot and claims of one it then holds all it may (concurrency + two claims), so it cannot
    // claim the rescued execution again when the rescue's notification wakes it. (A process in
    // a GC pause or cut off by a partition would not claim either.)
    first.invoke(JOB, new Job("y"));
    first.invoke(JOB, new Job("z"));
    var firstOrchestrator =
        Orchestrator.builder(first)
            .tasks(slow)
            .defaultWorker(WorkerConfig.builder().concurrency(1).fetchBatchSize(1).build())
            .heartbeatInterval(Duration.ofHours(1))
            .heartbeatTimeout(Duration.ofHours(4))
            .handleSignals(false)
            .build();
    firstOrchestrator.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> firstStarted.getCount() == 0);
    String firstId = firstOrchestrator.info().id();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                db.queryLong(
                        "select count(*) from pgconductor.executions where locked_by = ?::uuid",
                        firstId)
                    == 3);

    // the first one goes silent (a long GC pause, a partition): its heartbeat is stale
    db.execute(
        "update pgconductor.orchestrators set last_heartbeat_at = now() - interval '1 day' where id = '"
            + firstId
            + "'");

    var second = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).build());
    var quick =
        second.createTask(
            TaskOptions.of(JOB), Trigger.invocable(), (e, ctx) -> "written by the second");
    try (var secondOrchestrator =
        Orchestrator.builder(second)
            .tasks(quick)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
            .heartbeatInterval(Duration.ofMillis(100))
            // generous: on a loaded machine a short timeout would let it declare itself dead
            .heartbeatTimeout(Duration.ofSeconds(5))
            .handleSignals(false)
            .build()) {
      secondOrchestrator.start();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> second.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    }

    // now the first one wakes up and writes its outcome; stop() flushes it for sure
    letFirstFinish.countDown();
    firstOrchestrator.stop().join();

    var execution = first.getExecution(JOB, id).orElseThrow();
    assertThat(execution.result()).isEqualTo("written by the second");
    assertThat(execution.attempts())
        .as("the run lost with the first orchestrator is an abandoned run, not an attempt")
        .isEqualTo(1);
    assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where id = ?::uuid", id))
        .isEqualTo(1);
  }

  @Test
  void executionsOfAnOrchestratorRemovedByHandAreReleasedAtOnceAndRunElsewhere() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).build());
    var task =
        conductor.createTask(
            TaskOptions.of(JOB), Trigger.invocable(), (e, ctx) -> "ran " + e.payload().name());
    conductor.ensureInstalled();
    try (var orchestrator =
        Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
      orchestrator.start();
      // held by another orchestrator, alive as far as heartbeats go
      UUID other = UUID.randomUUID();
      db.execute(
          "insert into pgconductor.orchestrators (id, host, pid) values ('" + other + "', 'h', 1)");
      // not due, so the running orchestrator leaves it alone until it is "held" below
      String held =
          conductor
              .invoke(
                  JOB,
                  new Job("held"),
                  InvokeOptions.builder().runAt(Instant.now().plusSeconds(3600)).build())
              .orElseThrow();
      db.execute(
          "update pgconductor.executions set locked_by = '"
              + other
              + "', locked_at = now(),"
              + " attempts = 1, lease = 1, run_at = now() where id = '"
              + held
              + "'");

      db.execute("delete from pgconductor.orchestrators where id = '" + other + "'"); // by hand

      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  conductor.getExecution(JOB, held).orElseThrow().state()
                      == ExecutionState.COMPLETED);
      var rescued = conductor.getExecution(JOB, held).orElseThrow();
      assertThat(rescued.result()).isEqualTo("ran held");
      assertThat(rescued.attempts())
          .as("the lost run is not counted (first abandoned run)")
          .isEqualTo(1);
    }
  }

  @Test
  void anExecutionHeldWithoutItsOrchestratorKnowingIsReleasedAndRuns() {
    // what a claim whose answer was lost leaves: the row says this orchestrator holds it, but
    // none of its workers knows it
    try (var conductor = db.conductor(TaskSchemas.of(JOB)).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(JOB), Trigger.invocable(), (e, ctx) -> "ran " + e.payload().name());
      conductor.ensureInstalled();
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(task)
              .heartbeatInterval(Duration.ofMillis(50)) // it looks every 12th heartbeat
              .heartbeatTimeout(Duration.ofSeconds(1))
              .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        String orphan =
            conductor
                .invoke(
                    JOB,
                    new Job("orphan"),
                    InvokeOptions.builder().runAt(Instant.now().plusSeconds(3600)).build())
                .orElseThrow();
        db.execute(
            "update pgconductor.executions set locked_by = '"
                + orchestrator.info().id()
                + "', locked_at = now() - interval '5 seconds', attempts = 1, lease = 1,"
                + " run_at = now() where id = '"
                + orphan
                + "'");
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () ->
                    conductor.getExecution(JOB, orphan).orElseThrow().state()
                        == ExecutionState.COMPLETED);
        var execution = conductor.getExecution(JOB, orphan).orElseThrow();
        assertThat(execution.result()).isEqualTo("ran orphan");
        assertThat(execution.attempts()).as("the lost claim did not count").isOne();
      }
    }
  }

  @Test
  void truncatingTheOrchestratorsReleasesEverythingHeld() {
    try (var conductor = db.conductor(TaskSchemas.of(JOB)).build()) {
      conductor.ensureInstalled();
      db.execute("truncate pgconductor.executions");
      String a = conductor.invoke(JOB, new Job("a")).orElseThrow();
      String b = conductor.invoke(JOB, new Job("b")).orElseThrow();
      String waiting = conductor.invoke(JOB, new Job("waiting")).orElseThrow();
      UUID one = UUID.randomUUID();
      UUID two = UUID.randomUUID();
      db.execute(
          "insert into pgconductor.orchestrators (id, host, pid) values ('"
              + one
              + "', 'h', 1), ('"
              + two
              + "', 'h', 2)");
      db.execute(
          "update pgconductor.executions set locked_by = '"
              + one
              + "', attempts = 1, lease = 1 where id = '"
              + a
              + "'");
      db.execute(
          "update pgconductor.executions set locked_by = '"
              + two
              + "', attempts = 1, lease = 1 where id = '"
              + b
              + "'");
      try {
        db.execute("truncate pgconductor.orchestrators");

        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.executions where locked_by is not null"))
            .as("executions held by an id that is not registered")
            .isZero();
        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.executions where id in (?::uuid, ?::uuid)"
                        + " and attempts = 0 and abandoned_runs = 1"
                        + " and last_error like 'orchestrator % stopped heartbeating%'",
                    a, b))
            .as("released as after a crash, an abandoned run that does not count")
            .isEqualTo(2);
        assertThat(
                db.queryLong(
                    "select attempts from pgconductor.executions where id = ?::uuid", waiting))
            .as("a waiting execution is untouched")
            .isZero();
      } finally {
        db.execute("truncate pgconductor.executions");
      }
    }
  }

  @Test
  void anOrchestratorDeclaredDeadClaimsNothingUntilItRegistersAgain() throws SQLException {
    try (var conductor = db.conductor(TaskSchemas.of(JOB)).build()) {
      conductor.ensureInstalled();
      db.execute("truncate pgconductor.executions");
      String id = conductor.invoke(JOB, new Job("waiting")).orElseThrow();
      UUID zombie = registerStale();
      try (Connection c = DriverManager.getConnection(db.url())) {
        assertThat(rescue(c)).isZero();
        assertThat(claim(c, zombie)).as("claimed after it was declared dead").isZero();
        assertThat(
                db.queryLong("select count(*) from pgconductor.executions where locked_by is null"))
            .isEqualTo(1);

        db.execute(
            "insert into pgconductor.orchestrators (id, host, pid) values ('"
                + zombie
                + "', 'h', 1)");
        assertThat(claim(c, zombie)).as("claimed once registered again").isEqualTo(1);
        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.executions where id = ?::uuid and locked_by = ?",
                    id,
                    zombie))
            .isEqualTo(1);
      } finally {
        db.execute("truncate pgconductor.executions");
        db.execute("delete from pgconductor.orchestrators where id = '" + zombie + "'");
      }
    }
  }

  @Test
  void aRescueNeverWaitsForAClaimInFlightAndALaterOneReleasesWhatItTook() throws Exception {
    try (var conductor = db.conductor(TaskSchemas.of(JOB)).build()) {
      conductor.ensureInstalled();
      db.execute("truncate pgconductor.executions");
      for (String name : new String[] {"a", "b", "c"}) {
        conductor.invoke(JOB, new Job(name));
      }
      UUID zombie = registerStale();
      try (Connection claiming = DriverManager.getConnection(db.url());
          Connection rescuing = DriverManager.getConnection(db.url())) {
        claiming.setAutoCommit(false);
        assertThat(claim(claiming, zombie)).isEqualTo(3); // not committed yet (a frozen client)

        assertThat(rescue(rescuing)).as("nothing taken while the claim is open").isZero();
        assertThat(
                db.queryLong("select count(*) from pgconductor.orchestrators where id = ?", zombie))
            .as("left registered, for a later rescue")
            .isOne();

        claiming.commit();
        assertThat(rescue(rescuing)).isEqualTo(3);
        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.executions where locked_by is null"
                        + " and attempts = 0 and abandoned_runs = 1"))
            .isEqualTo(3);
        assertThat(
                db.queryLong("select count(*) from pgconductor.orchestrators where id = ?", zombie))
            .isZero();
      } finally {
        db.execute("truncate pgconductor.executions");
      }
    }
  }

  @Test
  void aStopWaitsForItsOwnClaimInFlightAndReleasesWhatItTook() throws Exception {
    removalWaitsForAClaimInFlight(
        "pgconductor.deregister(",
        false,
        (c, orchestrator) -> {
          try (PreparedStatement ps = c.prepareStatement("select pgconductor.deregister(?)")) {
            ps.setObject(1, orchestrator);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              assertThat(rs.getInt(1)).isEqualTo(3);
            }
          }
        });
  }

  @Test
  void aRemovalByHandWaitsForAClaimInFlightAndReleasesWhatItTook() throws Exception {
    removalWaitsForAClaimInFlight(
        "delete from pgconductor.orchestrators",
        true,
        (c, zombie) -> {
          try (PreparedStatement ps =
              c.prepareStatement("delete from pgconductor.orchestrators where id = ?")) {
            ps.setObject(1, zombie);
            assertThat(ps.executeUpdate()).isEqualTo(1);
          }
        });
  }

  private interface Removal {
    void remove(Connection c, UUID orchestrator) throws SQLException;
  }

  /**
   * A claim of three executions held open on one connection while {@code removal} takes its
   * orchestrator away on another: the removal waits for the claim to commit, then releases all
   * three, so none is left held by an id that is not registered, each as an abandoned run that does
   * not count as an attempt; {@code asAfterACrash}: its error says the orchestrator stopped
   * heartbeating (a removal by hand), or that it stopped (a stop).
   */
  private void removalWaitsForAClaimInFlight(
      String removalSql, boolean asAfterACrash, Removal removal) throws Exception {
    try (var conductor = db.conductor(TaskSchemas.of(JOB)).build()) {
      conductor.ensureInstalled();
      db.execute("truncate pgconductor.executions");
      for (String name : new String[] {"a", "b", "c"}) {
        conductor.invoke(JOB, new Job(name));
      }
      UUID zombie = registerStale();
      try (Connection claiming = DriverManager.getConnection(db.url());
          Connection removing = DriverManager.getConnection(db.url())) {
        claiming.setAutoCommit(false);
        assertThat(claim(claiming, zombie)).isEqualTo(3); // not committed yet

        CompletableFuture<Void> removed =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    removal.remove(removing, zombie);
                  } catch (SQLException e) {
                    throw new IllegalStateException(e);
                  }
                });
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    db.queryLong(
                            "select count(*) from pg_stat_activity"
                                + " where wait_event_type = 'Lock' and query like ?",
                            "%" + removalSql + "%")
                        == 1);
        assertThat(removed).as("the removal waits for the claim to commit").isNotDone();

        claiming.commit();
        removed.get(); // and released all three: asserted by the removal itself or here
        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.executions where locked_by is not null"))
            .as("executions held by an id that is not registered")
            .isZero();
        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.executions where attempts = 0"
                        + " and abandoned_runs = 1 and wait_kind = 'released'"
                        + (asAfterACrash
                            ? " and last_error like 'orchestrator % stopped heartbeating%'"
                            : " and last_error like 'orchestrator % stopped while%'")))
            .as("handed back as an abandoned run, the attempt not counted")
            .isEqualTo(3);
        assertThat(
                db.queryLong("select count(*) from pgconductor.orchestrators where id = ?", zombie))
            .isZero();
      } finally {
        db.execute("truncate pgconductor.executions");
      }
    }
  }

  /** An orchestrator whose last heartbeat is a day old: the next rescue declares it dead. */
  private static UUID registerStale() {
    UUID id = UUID.randomUUID();
    db.execute(
        "insert into pgconductor.orchestrators (id, host, pid, last_heartbeat_at)"
            + " values ('"
            + id
            + "', 'h', 1, now() - interval '1 day')");
    return id;
  }

  /** What another orchestrator's heartbeat does about stale ones: returns what it released. */
  private static int rescue(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("select pgconductor.rescue(null, interval '1 minute', null)");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** The claim a worker of {@code orchestrator} makes; returns how many it took. */
  private static int claim(Connection c, UUID orchestrator) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "select count(*) from pgconductor.claim(?, 'default', array['job'], 10, null)")) {
      ps.setObject(1, orchestrator);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
