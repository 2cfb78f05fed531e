package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.UpgradeWorkload.Job;
import dev.pgconductor.internal.schema.Migrator;
import dev.pgconductor.support.ChildJvm;
import dev.pgconductor.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Live migrations (MIG-4): an "old" library (this one) and a "new" one (this one plus a test
 * migration, {@link UpgradeWorkload#BREAKING} or {@link UpgradeWorkload#NON_BREAKING}) on the same
 * database. Every test starts from an empty database of its own.
 */
class LiveMigrationIT {
  private static final int JOBS = 300;

  private final List<String> databases = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    for (AutoCloseable c : closeables.reversed()) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    databases.forEach(TestPostgres::dropDatabase);
  }

  @Test
  @Timeout(240)
  void anOlderOrchestratorDrainsForABreakingMigrationAndEveryExecutionRunsOnceAcrossTheSwitch()
      throws Exception {
    String url = emptyDatabase();
    var conductor = oldLibrary(url);
    conductor.ensureInstalled();
    HikariDataSource pool = closeAfter(TestPostgres.pool(url, 2));
    UpgradeWorkload.createTables(pool);
    List<String> ids =
        conductor.invokeBatch(
            UpgradeWorkload.JOB,
            IntStream.range(0, JOBS)
                .mapToObj(n -> Invocation.of(new Job(n, 300 + n * 37 % 2500, 50 + n * 53 % 400)))
                .toList());

    try (ChildJvm old = ChildJvm.start(UpgradeWorkerMain.class, url, "old")) {
      // the switch comes while work is in flight: some done, more started or sleeping
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> effects(url, "last") >= 30 && effects(url, "first") >= 60);
      long doneBefore = effects(url, "last");
      long switchAt = System.nanoTime();
      assertThat(doneBefore).as("jobs done before the switch").isLessThan(JOBS / 2);

      // its start returns once the old one drained and the migration was applied
      try (ChildJvm newer = ChildJvm.start(UpgradeWorkerMain.class, url, "new")) {
        System.out.printf(
            "switch: %d jobs done before, new JVM started after %d ms%n",
            doneBefore, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - switchAt));
        assertThat(old.waitFor(30, TimeUnit.SECONDS)).as("the old JVM stopped").isTrue();
        assertThat(old.output()).contains("DRAIN_REQUESTED " + UpgradeWorkload.NEW_VERSION);
        assertThat(old.output()).anyMatch(l -> l.contains("drains and stops"));
        assertThat(newer.output())
            .anyMatch(l -> l.contains("waiting up to") && l.contains(old.orchestratorId()));
        assertThat(
                query(
                    url,
                    "select older_registered || ',' || held from pgconductor.test_upgrade_marker"))
            .as("older orchestrators registered, executions held, when it migrated")
            .isEqualTo("0,0");

        await()
            .atMost(Duration.ofSeconds(120))
            .until(() -> queryLong(url, "select count(*) from pgconductor.executions") == 0);
        System.out.printf(
            "all done %d ms after the switch%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - switchAt));
        assertThat(query(url, "select string_agg(id::text, ',') from pgconductor.orchestrators"))
            .as("registered orchestrators")
            .isEqualTo(newer.orchestratorId());
      }
    }

    for (int n = 0; n < JOBS; n++) {
      var execution = conductor.getExecution(UpgradeWorkload.JOB, ids.get(n)).orElseThrow();
      assertThat(execution.state()).as("job %d", n).isEqualTo(ExecutionState.COMPLETED);
      assertThat(execution.result()).isEqualTo(n);
    }
    assertThat(
            queryLong(
                url,
                "select count(*) from (select execution_id, step from upgrade_effects"
                    + " group by 1, 2 having count(*) > 1) twice"))
        .as("effects made twice")
        .isZero();
    assertThat(queryLong(url, "select count(*) from upgrade_effects"))
        .as("effects")
        .isEqualTo((long) JOBS * UpgradeWorkload.EFFECTS.size());
    assertThat(
            queryLong(
                url,
                """
                select count(*) from (
                  select execution_id from upgrade_effects, pgconductor.test_upgrade_marker m
                  group by execution_id, m.migrated_at
                  having min(done_at) < m.migrated_at and max(done_at) > m.migrated_at) across"""))
        .as("jobs begun by the old library and finished by the new one")
        .isPositive();
  }

  @Test
  void aDatabaseNewerThanTheLibraryIsRefusedAtStartNamingBothVersions() {
    String url = emptyDatabase();
    closeAfter(UpgradeWorkload.newLibrary(url, UpgradeWorkload.NON_BREAKING).build())
        .ensureInstalled();
    var conductor = oldLibrary(url);
    String both =
        "version " + UpgradeWorkload.NEW_VERSION + ", newer than this library's version " + known();

    assertThatThrownBy(conductor::ensureInstalled)
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining(both);
    var task = UpgradeWorkload.register(conductor);
    var orchestrator = Orchestrator.builder(conductor).tasks(task).handleSignals(false).build();
    assertThatThrownBy(orchestrator::start)
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining(both);
    assertThat(orchestrator.info().stopped()).isTrue();
    assertThat(queryLong(url, "select count(*) from pgconductor.orchestrators")).isZero();
  }

  @Test
  @Timeout(60)
  void aNonBreakingMigrationIsAppliedWhileOlderOrchestratorsKeepRunning() throws Exception {
    String url = emptyDatabase();
    var conductor = oldLibrary(url);
    conductor.ensureInstalled();
    UpgradeWorkload.createTables(closeAfter(TestPostgres.pool(url, 2)));
    var old = closeAfter(quickOrchestrator(conductor, UpgradeWorkload.register(conductor)));
    old.start();

    long started = System.nanoTime();
    closeAfter(UpgradeWorkload.newLibrary(url, UpgradeWorkload.NON_BREAKING).build())
        .ensureInstalled();

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(queryLong(url, "select max(version) from pgconductor.schema_migrations"))
        .isEqualTo(UpgradeWorkload.NEW_VERSION);
    assertThat(queryLong(url, "select count(*) from pgconductor.drain_requests")).isZero();
    String id = conductor.invoke(UpgradeWorkload.JOB, new Job(1, 10, 0)).orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    assertThat(old.info().running()).as("the old orchestrator still runs").isTrue();
  }

  @Test
  @Timeout(120)
  void whenOlderOrchestratorsOutlastTheBoundTheStartFailsNamingThemAndMigratesNothing()
      throws Exception {
    String url = emptyDatabase();
    TaskDefinition<String, String> blockDef =
        TaskDefinition.of("block", String.class, String.class);
    var conductor =
        closeAfter(
            Conductor.builder()
                .connectionString(url)
                .tasks(TaskSchemas.of(blockDef))
                .poolSize(4)
                .build());
    conductor.ensureInstalled();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    var block =
        conductor.createTask(
            TaskOptions.of(blockDef),
            Trigger.invocable(),
            (event, ctx) -> {
              entered.countDown();
              release.await();
              return "done";
            });
    List<ConductorListener.DrainRequested> heard = new CopyOnWriteArrayList<>();
    var old =
        closeAfter(
            Orchestrator.builder(conductor)
                .tasks(block)
                .heartbeatInterval(Duration.ofMillis(200))
                .heartbeatTimeout(Duration.ofSeconds(2))
                .shutdownGrace(Duration.ofSeconds(60)) // longer than the new one waits
                .handleSignals(false)
                .listener(
                    new ConductorListener() {
                      @Override
                      public void drainRequested(DrainRequested event) {
                        heard.add(event);
                      }
                    })
                .build());
    old.start();
    String blocked = conductor.invoke(blockDef, "x").orElseThrow();
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

    var newer = closeAfter(UpgradeWorkload.newLibrary(url, UpgradeWorkload.BREAKING).build());
    var task = UpgradeWorkload.register(newer);
    var first =
        Orchestrator.builder(newer)
            .tasks(task)
            .migrationDrainTimeout(Duration.ofSeconds(2))
            .handleSignals(false)
            .build();
    assertThatThrownBy(first::start)
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining("Gave up after PT2S")
        .hasMessageContaining(old.info().id())
        .hasMessageContaining("schema version " + known())
        .hasMessageContaining("Nothing was migrated");
    assertThat(queryLong(url, "select max(version) from pgconductor.schema_migrations"))
        .isEqualTo(known());
    assertThat(first.info().stopped()).isTrue();
    // the old one heard the request and is stopping, its handler still running
    assertThat(heard)
        .containsExactly(
            new ConductorListener.DrainRequested(
                old.info().id(), known(), UpgradeWorkload.NEW_VERSION));
    assertThat(old.info().shuttingDown()).isTrue();

    release.countDown();
    old.stopped().get(30, TimeUnit.SECONDS);
    assertThat(conductor.getExecution(blocked).orElseThrow().state())
        .isEqualTo(ExecutionState.COMPLETED);
    // started again once the old one is gone, the new version migrates
    var second = closeAfter(quickOrchestrator(newer, task));
    second.start();
    assertThat(queryLong(url, "select max(version) from pgconductor.schema_migrations"))
        .isEqualTo(UpgradeWorkload.NEW_VERSION);
    assertThat(query(url, "select older_registered::text from pgconductor.test_upgrade_marker"))
        .isEqualTo("0");
  }

  @Test
  @Timeout(60)
  void aStaleOlderOrchestratorIsNotWaitedFor() {
    String url = emptyDatabase();
    oldLibrary(url).ensureInstalled();
    execute(
        url,
        "insert into pgconductor.orchestrators (id, host, pid, schema_version, last_heartbeat_at)"
            + " values (gen_random_uuid(), 'gone', 1, "
            + known()
            + ", now() - interval '1 hour')");

    long started = System.nanoTime();
    closeAfter(UpgradeWorkload.newLibrary(url, UpgradeWorkload.BREAKING).build())
        .ensureInstalled(); // waits up to 5 minutes for live ones

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    assertThat(queryLong(url, "select max(version) from pgconductor.schema_migrations"))
        .isEqualTo(UpgradeWorkload.NEW_VERSION);
    assertThat(query(url, "select older_registered::text from pgconductor.test_upgrade_marker"))
        .as("the stale one was still registered: not waited for")
        .isEqualTo("1");
  }

  @Test
  @Timeout(60)
  void anOlderOrchestratorNotHeardFromDuringTheUpgradeStopsWhenItBeatsAgain() throws Exception {
    String url = emptyDatabase();
    var conductor = oldLibrary(url);
    conductor.ensureInstalled();
    UpgradeWorkload.createTables(closeAfter(TestPostgres.pool(url, 2)));
    // it beats every 3 s: to a process that counts 400 ms of silence as death, it looks frozen
    var old =
        closeAfter(
            Orchestrator.builder(conductor)
                .tasks(UpgradeWorkload.register(conductor))
                .heartbeatInterval(Duration.ofSeconds(3))
                .heartbeatTimeout(Duration.ofSeconds(12))
                .handleSignals(false)
                .build());
    old.start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                queryLong(
                        url,
                        "select count(*) from pgconductor.orchestrators"
                            + " where last_heartbeat_at < now() - interval '500 ms'")
                    == 1);

    var newer = closeAfter(UpgradeWorkload.newLibrary(url, UpgradeWorkload.BREAKING).build());
    var fresh =
        closeAfter(
            Orchestrator.builder(newer)
                .tasks(UpgradeWorkload.register(newer))
                .heartbeatInterval(Duration.ofMillis(100))
                .heartbeatTimeout(Duration.ofMillis(400))
                .handleSignals(false)
                .build());
    fresh.start(); // the old one is not waited for

    assertThat(queryLong(url, "select max(version) from pgconductor.schema_migrations"))
        .isEqualTo(UpgradeWorkload.NEW_VERSION);
    old.stopped().get(20, TimeUnit.SECONDS);
    String id = conductor.invoke(UpgradeWorkload.JOB, new Job(1, 10, 0)).orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    assertThat(fresh.info().running()).isTrue();
  }

  @Test
  void anOlderOrchestratorMayNotStartWhileANewerVersionWaitsForOlderOnesToDrain() {
    String url = emptyDatabase();
    var conductor = oldLibrary(url);
    conductor.ensureInstalled();
    execute(
        url, "select pgconductor.request_drain(" + UpgradeWorkload.NEW_VERSION + ", 'host pid 1')");

    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(UpgradeWorkload.register(conductor))
            .handleSignals(false)
            .build();
    assertThatThrownBy(orchestrator::start)
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining("may not start")
        .hasMessageContaining("schema version " + UpgradeWorkload.NEW_VERSION);
    assertThat(queryLong(url, "select count(*) from pgconductor.orchestrators")).isZero();
  }

  // helpers

  private static int known() {
    return new Migrator(null, () -> {}).latestVersion();
  }

  private Conductor<Void> oldLibrary(String url) {
    return closeAfter(
        Conductor.builder()
            .connectionString(url)
            .tasks(UpgradeWorkload.SCHEMAS)
            .poolSize(4)
            .build());
  }

  private static Orchestrator quickOrchestrator(Conductor<?> conductor, Task<?, ?> task) {
    return Orchestrator.builder(conductor)
        .tasks(task)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
        .heartbeatInterval(Duration.ofMillis(200))
        .heartbeatTimeout(Duration.ofSeconds(2))
        .handleSignals(false)
        .build();
  }

  private String emptyDatabase() {
    String url = TestPostgres.createDatabase();
    databases.add(url);
    return url;
  }

  private <T extends AutoCloseable> T closeAfter(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  private static long effects(String url, String step) {
    return queryLong(
        url,
        "select count(distinct execution_id) from upgrade_effects where step = '" + step + "'");
  }

  private static long queryLong(String url, String sql) {
    return Long.parseLong(query(url, sql));
  }

  private static String query(String url, String sql) {
    try (var c = java.sql.DriverManager.getConnection(url);
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void execute(String url, String sql) {
    try (var c = java.sql.DriverManager.getConnection(url);
        var st = c.createStatement()) {
      st.execute(sql);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
