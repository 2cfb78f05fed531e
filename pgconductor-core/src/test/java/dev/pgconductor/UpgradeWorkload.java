package dev.pgconductor;

import dev.pgconductor.internal.schema.Migrator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/**
 * What the live-migration tests run on both sides of an upgrade: a workflow whose every side effect
 * is a transactional step writing a row to {@code upgrade_effects} (so a step that ran twice shows
 * as two rows), with a durable sleep between them; and the extra migrations that make a "new"
 * library out of this one.
 */
final class UpgradeWorkload {
  private UpgradeWorkload() {}

  /**
   * One job: a first effect, a durable sleep, a slow effect, a last effect.
   *
   * @param n its number, returned as its result
   * @param pauseMillis the durable sleep
   * @param workMillis how long the slow effect's transaction takes
   */
  record Job(int n, int pauseMillis, int workMillis) {}

  static final TaskDefinition<Job, Integer> JOB =
      TaskDefinition.of("upgrade-job", Job.class, Integer.class);

  static final TaskSchemas SCHEMAS = TaskSchemas.of(JOB);

  /** The effects each execution makes, once each. */
  static final List<String> EFFECTS = List.of("first", "work", "last");

  /** The version of the test migrations: above any the library will have. */
  static final int NEW_VERSION = 901;

  /**
   * A breaking migration. It records what it found when it ran: the orchestrators of older versions
   * still registered and the executions still held.
   */
  static final Migrator.Migration BREAKING =
      new Migrator.Migration(
          NEW_VERSION,
          "V901__test_breaking.sql",
          """
          -- breaking: a test of live migrations
          create table pgconductor.test_upgrade_marker as
          select (select count(*) from pgconductor.orchestrators
                  where schema_version < 901) as older_registered,
                 (select count(*) from pgconductor.executions
                  where locked_by is not null) as held,
                 now() as migrated_at;
          """);

  /** A migration older orchestrators keep running on. */
  static final Migrator.Migration NON_BREAKING =
      new Migrator.Migration(
          NEW_VERSION,
          "V901__test_additive.sql",
          "create table pgconductor.test_additive (x int);");

  /** A Conductor of the "new" library: this one plus {@code extra}. */
  static Conductor.Builder<Void> newLibrary(String url, Migrator.Migration extra) {
    return Conductor.builder()
        .connectionString(url)
        .tasks(SCHEMAS)
        .poolSize(4)
        .extraMigrations(List.of(extra));
  }

  /** The table of side effects. */
  static void createTables(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(
          """
          create table if not exists upgrade_effects (
            id bigserial primary key, execution_id uuid not null, step text not null,
            done_at timestamptz not null default clock_timestamp())""");
    }
  }

  /** Registers the job's handler. */
  static Task<Job, Integer> register(Conductor<?> conductor) {
    return conductor.createTask(
        TaskOptions.of(JOB),
        Trigger.invocable(),
        (event, ctx) -> {
          Job job = event.payload();
          String id = ctx.executionId();
          ctx.transactionalStep("first", Long.class, c -> effect(c, id, "first", 0));
          ctx.sleep("pause", Duration.ofMillis(job.pauseMillis()));
          ctx.transactionalStep("work", Long.class, c -> effect(c, id, "work", job.workMillis()));
          ctx.transactionalStep("last", Long.class, c -> effect(c, id, "last", 0));
          return job.n();
        });
  }

  private static long effect(Connection c, String executionId, String step, int millis)
      throws SQLException {
    if (millis > 0) {
      try (PreparedStatement ps = c.prepareStatement("select pg_sleep(? / 1000.0)")) {
        ps.setInt(1, millis);
        ps.execute();
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "insert into upgrade_effects (execution_id, step) values (?::uuid, ?) returning id")) {
      ps.setString(1, executionId);
      ps.setString(2, step);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
