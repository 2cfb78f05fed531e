package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgconductor.testing.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Installing and upgrading the schema (MIG-1..3). Every test starts from an empty database of its
 * own, so each one sees a first install.
 */
class MigrationIT {
  record Greet(String name) {}

  static final TaskDefinition<Greet, Void> GREET = TaskDefinition.of("greet", Greet.class);

  private final List<String> databases = new ArrayList<>();
  private final List<Conductor<?>> conductors = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    conductors.reversed().forEach(Conductor::close);
    databases.forEach(TestPostgres::dropDatabase);
  }

  // MIG-1

  @Test
  void ensureInstalledCreatesTheSchemaOnAnEmptyDatabase() throws SQLException {
    String url = emptyDatabase();
    assertThat(queryLong(url, "select count(*) from pg_namespace where nspname = 'pgconductor'"))
        .isZero();

    conductor(url).ensureInstalled();

    assertThat(
            strings(
                url,
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    + " where n.nspname = 'pgconductor' and c.relkind in ('r', 'p')"
                    + " and not c.relispartition order by 1"))
        .contains(
            "executions",
            "finished_executions",
            "orchestrators",
            "queues",
            "schema_migrations",
            "tasks");
    assertThat(
            strings(
                url,
                "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                    + " where n.nspname = 'pgconductor' order by 1"))
        .contains("claim", "ensure_queue", "flush", "heartbeat", "invoke", "rescue");
    // and it works: an invoke lands in it
    var conductor = conductor(url, TaskSchemas.of(GREET));
    conductor.invoke(GREET, new Greet("x"));
    assertThat(queryLong(url, "select count(*) from pgconductor.executions")).isOne();
  }

  @Test
  void ensureInstalledOnAnUpToDateSchemaChangesNothing() throws SQLException {
    String url = emptyDatabase();
    var conductor = conductor(url, TaskSchemas.of(GREET));
    conductor.ensureInstalled();
    List<String> migrations = migrationRows(url);
    String id = conductor.invoke(GREET, new Greet("kept")).orElseThrow();
    long objects = schemaObjects(url);

    conductor.ensureInstalled();
    conductor(url).ensureInstalled(); // another process on the same database

    assertThat(migrationRows(url)).isEqualTo(migrations);
    assertThat(schemaObjects(url)).isEqualTo(objects);
    assertThat(conductor.getExecution(id))
        .get()
        .extracting(Execution::state)
        .isEqualTo(ExecutionState.PENDING);
  }

  @Test
  void orchestratorStartInstallsTheSchema() throws SQLException {
    String url = emptyDatabase();
    var conductor = conductor(url, TaskSchemas.of(GREET));
    var task =
        conductor.createTask(TaskOptions.of(GREET), Trigger.invocable(), (event, ctx) -> null);

    try (var orchestrator =
        Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
      orchestrator.start();
      assertThat(migrationRows(url)).hasSize(knownMigrations().size());
    }
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();
    assertThat(conductor.getExecution(id)).isPresent();
  }

  // MIG-2

  @Test
  @Timeout(60)
  void concurrentFirstInstallsFromManyProcessesAllSucceedAndApplyEachMigrationOnce()
      throws Exception {
    String url = emptyDatabase();
    int processes = 10;
    // each "process" has its own Conductor and connection pool, all built before the race starts
    List<Conductor<Void>> racers = new ArrayList<>();
    for (int i = 0; i < processes; i++) {
      racers.add(conductor(url));
    }
    var barrier = new CyclicBarrier(processes);
    ExecutorService threads = Executors.newFixedThreadPool(processes);
    try {
      List<CompletableFuture<Void>> runs =
          racers.stream()
              .map(
                  racer ->
                      CompletableFuture.runAsync(
                          () -> {
                            try {
                              barrier.await(20, TimeUnit.SECONDS);
                            } catch (Exception e) {
                              throw new IllegalStateException(e);
                            }
                            racer.ensureInstalled();
                          },
                          threads))
              .toList();

      List<Throwable> failures = new ArrayList<>();
      for (var run : runs) {
        try {
          run.get(45, TimeUnit.SECONDS);
        } catch (Exception e) {
          failures.add(e.getCause() != null ? e.getCause() : e);
        }
      }
      assertThat(failures).isEmpty();
    } finally {
      threads.shutdownNow();
    }

    assertThat(migrationRows(url)).hasSize(knownMigrations().size());
    assertThat(queryLong(url, "select count(distinct version) from pgconductor.schema_migrations"))
        .isEqualTo(knownMigrations().size());
    // V001's own data (the default queue) was inserted once, not once per process
    assertThat(queryLong(url, "select count(*) from pgconductor.queues")).isOne();
    assertThat(
            queryLong(
                url,
                "select count(*) from pg_locks where locktype = 'advisory' and granted"
                    + " and database = (select oid from pg_database"
                    + " where datname = current_database())"))
        .as("no advisory lock is left behind")
        .isZero();
  }

  // MIG-3

  @Test
  void migrationsAreRecordedWithVersionAndNameInOrder() throws SQLException {
    String url = emptyDatabase();
    conductor(url).ensureInstalled();

    List<String> expected = new ArrayList<>();
    for (String file : knownMigrations()) {
      int version = Integer.parseInt(file.substring(1, file.indexOf("__")));
      expected.add(version + " " + file);
    }
    assertThat(expected).first().isEqualTo("1 V001__baseline.sql");
    assertThat(
            strings(
                url,
                "select version || ' ' || name from pgconductor.schema_migrations order by version"))
        .isEqualTo(expected);
    // applied one after the other, in version order
    assertThat(
            strings(
                url,
                "select version::text from pgconductor.schema_migrations order by applied_at, version"))
        .isEqualTo(
            strings(
                url, "select version::text from pgconductor.schema_migrations order by version"));
    assertThat(
            queryLong(
                url, "select count(*) from pgconductor.schema_migrations where applied_at is null"))
        .isZero();
  }

  @Test
  @Timeout(60)
  void aFailingMigrationIsRolledBackEntirelyAndCanBeRetried() throws SQLException {
    String url = emptyDatabase();
    // an object in the way of V001, created half-way through its script
    execute(url, "create schema pgconductor; create table pgconductor.queues (unrelated int)");

    assertThatThrownBy(() -> conductor(url).ensureInstalled())
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining("V001__baseline.sql");

    assertThat(queryLong(url, "select count(*) from pgconductor.schema_migrations")).isZero();
    assertThat(
            strings(
                url,
                "select coalesce(to_regclass('pgconductor.orchestrators')::text, 'none')"
                    + " || ',' || coalesce(to_regclass('pgconductor.tasks')::text, 'none')"))
        .as("tables V001 created before the failing statement are rolled back")
        .containsExactly("none,none");

    execute(url, "drop table pgconductor.queues");
    // another process retries; it must not wait for a lock the failed attempt kept
    conductor(url).ensureInstalled();

    assertThat(migrationRows(url)).hasSize(knownMigrations().size());
  }

  @Test
  void aSchemaInstalledBeforeTheBaselineIsRefusedWithAClearErrorAndLeftAlone() throws SQLException {
    String url = emptyDatabase();
    execute(
        url,
        """
        create schema pgconductor;
        create table pgconductor.schema_migrations (
          version int primary key, name text not null,
          applied_at timestamptz not null default now());
        insert into pgconductor.schema_migrations (version, name)
          values (1, 'V001__core.sql'), (2, 'V002__durable_execution.sql');
        """);

    assertThatThrownBy(() -> conductor(url).ensureInstalled())
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining("V001__core.sql")
        .hasMessageContaining("drop schema pgconductor cascade");
    assertThat(queryLong(url, "select count(*) from pgconductor.schema_migrations")).isEqualTo(2);
  }

  // helpers

  private String emptyDatabase() {
    String url = TestPostgres.createDatabase();
    databases.add(url);
    return url;
  }

  private Conductor<Void> conductor(String url) {
    return conductor(url, TaskSchemas.empty());
  }

  private Conductor<Void> conductor(String url, TaskSchemas tasks) {
    var conductor = Conductor.builder().connectionString(url).tasks(tasks).poolSize(2).build();
    conductors.add(conductor);
    return conductor;
  }

  private static List<String> knownMigrations() {
    try (InputStream in =
        MigrationIT.class.getResourceAsStream("/dev/pgconductor/migrations/index.txt")) {
      return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
          .map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> migrationRows(String url) throws SQLException {
    return strings(
        url,
        "select version || '|' || name || '|' || applied_at from pgconductor.schema_migrations"
            + " order by version");
  }

  private static long schemaObjects(String url) throws SQLException {
    return queryLong(
        url,
        "select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname = 'pgconductor')"
            + " + (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
            + " where n.nspname = 'pgconductor')");
  }

  private static long queryLong(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<String> strings(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
      return rows;
    }
  }

  private static void execute(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
