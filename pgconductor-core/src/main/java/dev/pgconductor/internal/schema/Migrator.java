package dev.pgconductor.internal.schema;

import dev.pgconductor.PgConductorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs and upgrades the {@code pgconductor} schema: numbered SQL files listed in {@code
 * migrations/index.txt}, each applied in its own transaction and recorded in {@code
 * pgconductor.schema_migrations}, all under a session advisory lock so concurrent callers wait for
 * the one that applies them. A schema newer than this library is refused; before a breaking
 * migration (first line {@code -- breaking: why}), live orchestrators of older versions are asked
 * to drain and waited for ({@link OlderOrchestrators}).
 */
public final class Migrator {
  private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);
  private static final String BASE = "/dev/pgconductor/migrations/";
  // pg_advisory_lock key: "pgconductor.migrate" hashed once, fixed forever
  private static final long LOCK_KEY = 0x7067636f6e647563L;
  private static final String BREAKING = "-- breaking:";

  private final DataSource dataSource;
  private final Runnable reachability;
  private final List<Migration> migrations;

  /**
   * @param reachability checked before the schema is: throws when the database cannot be reached,
   *     so that an install fails at once rather than after a pool's connection timeout
   */
  public Migrator(DataSource dataSource, Runnable reachability) {
    this(dataSource, reachability, List.of());
  }

  /**
   * Test support only: a library that knows {@code extra} migrations after its own, as a newer
   * version of it would (the upgrade tests run an "old" and a "new" library side by side). No
   * production code passes any.
   */
  public Migrator(DataSource dataSource, Runnable reachability, List<Migration> extra) {
    this.dataSource = dataSource;
    this.reachability = reachability;
    List<Migration> all = new ArrayList<>(loadMigrations());
    for (Migration migration : extra) {
      if (migration.version() <= all.getLast().version()) {
        throw new IllegalArgumentException("migrations out of order at " + migration.name());
      }
      all.add(migration);
    }
    this.migrations = List.copyOf(all);
  }

  /** A migration file. */
  public record Migration(int version, String name, String sql) {
    /** Why it is breaking, from a first line {@code -- breaking: why}; empty when it is not. */
    public Optional<String> breakingReason() {
      String first = sql.strip().lines().findFirst().orElse("").strip();
      return first.startsWith(BREAKING)
          ? Optional.of(first.substring(BREAKING.length()).strip())
          : Optional.empty();
    }
  }

  /**
   * How an install waits for older orchestrators before a breaking migration.
   *
   * @param drainTimeout how long at most; then the install fails and applies nothing
   * @param heartbeatTimeout an orchestrator whose last heartbeat is older is dead: not waited for
   * @param abandoned polled while waiting: true ends the wait (a stop during a start)
   */
  public record Upgrade(
      Duration drainTimeout, Duration heartbeatTimeout, BooleanSupplier abandoned) {
    /** The defaults of {@code Conductor.ensureInstalled()} and of an orchestrator's builder. */
    public static final Upgrade DEFAULT =
        new Upgrade(Duration.ofMinutes(5), Duration.ofSeconds(30), () -> false);
  }

  /** The newest schema version this library knows. */
  public int latestVersion() {
    return migrations.getLast().version();
  }

  /** Applies every missing migration; a no-op when the schema is current. */
  public void ensureInstalled() {
    ensureInstalled(Upgrade.DEFAULT);
  }

  /**
   * Applies every missing migration; a no-op when the schema is current. Refuses a schema newer
   * than this library. Before a breaking migration of a schema in use, asks the orchestrators of
   * older versions to drain and waits for them, at most {@code upgrade.drainTimeout()}.
   */
  public void ensureInstalled(Upgrade upgrade) {
    reachability.run();
    try (Connection connection = dataSource.getConnection()) {
      int installed = installedVersion(connection);
      if (installed > 0) {
        requireBaseline(connection);
      }
      requireNotNewer(installed);
      if (installed >= latestVersion()) {
        return;
      }
      try (Statement st = connection.createStatement()) {
        st.execute("select pg_advisory_lock(" + LOCK_KEY + ")");
      }
      try {
        // again under the lock: another process may have migrated meanwhile
        int current = installedVersion(connection);
        requireNotNewer(current);
        Optional<Migration> breaking = lastBreakingAfter(current);
        if (current > 0 && breaking.isPresent()) {
          new OlderOrchestrators(connection).drainBefore(breaking.get(), upgrade);
        }
        migrate(connection);
      } finally {
        try (Statement st = connection.createStatement()) {
          st.execute("select pg_advisory_unlock(" + LOCK_KEY + ")");
        }
      }
    } catch (SQLException e) {
      throw new PgConductorException(
          "Could not install the pgconductor schema: " + e.getMessage(), e);
    }
  }

  /** The last breaking migration above {@code installed}, if any. */
  private Optional<Migration> lastBreakingAfter(int installed) {
    return migrations.reversed().stream()
        .filter(m -> m.version() > installed && m.breakingReason().isPresent())
        .findFirst();
  }

  /**
   * An older library must not run on a newer schema: a breaking change would break it, and even a
   * compatible one means a newer version of the application runs, so this one is stale.
   */
  private void requireNotNewer(int installed) {
    if (installed > latestVersion()) {
      throw new PgConductorException(
          "The pgconductor schema in this database is version "
              + installed
              + ", newer than this library's version "
              + latestVersion()
              + ": a newer version of pgconductor upgraded it, and an older one refuses to run"
              + " on it. Run this application with that newer version (see"
              + " docs/live-migrations.md)");
    }
  }

  private void migrate(Connection connection) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(true);
    try (Statement st = connection.createStatement()) {
      st.execute("create schema if not exists pgconductor");
      st.execute(
          """
          create table if not exists pgconductor.schema_migrations (
            version    int primary key,
            name       text not null,
            applied_at timestamptz not null default now()
          )""");
    }
    Set<Integer> applied = new HashSet<>();
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("select version from pgconductor.schema_migrations")) {
      while (rs.next()) {
        applied.add(rs.getInt(1));
      }
    }
    for (Migration migration : migrations) {
      if (applied.contains(migration.version())) {
        continue;
      }
      connection.setAutoCommit(false);
      try (Statement st = connection.createStatement();
          PreparedStatement record =
              connection.prepareStatement(
                  "insert into pgconductor.schema_migrations (version, name) values (?, ?)")) {
        st.execute(migration.sql());
        record.setInt(1, migration.version());
        record.setString(2, migration.name());
        record.executeUpdate();
        connection.commit();
        LOG.info("Applied pgconductor migration {}", migration.name());
      } catch (SQLException e) {
        connection.rollback();
        throw new SQLException(
            "migration " + migration.name() + " failed: " + e.getMessage(), e.getSQLState(), e);
      } finally {
        connection.setAutoCommit(true);
      }
    }
    connection.setAutoCommit(autoCommit);
  }

  /**
   * Refuses a schema installed by a build from before the baseline migration (no upgrade path is
   * offered to it; see CHANGELOG.md): its version 1 has another name.
   */
  private void requireBaseline(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery("select name from pgconductor.schema_migrations where version = 1")) {
      if (!rs.next()) {
        return;
      }
      String name = rs.getString(1);
      String baseline = migrations.getFirst().name();
      if (!name.equals(baseline)) {
        throw new SQLException(
            "the pgconductor schema in this database was installed by a development build from"
                + " before the "
                + baseline
                + " baseline (it has "
                + name
                + "), which cannot be upgraded in place: drop it (drop schema pgconductor cascade)"
                + " and start again");
      }
    }
  }

  /** The highest applied version, 0 when the schema is not installed. */
  public int installedVersion(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery("select to_regclass('pgconductor.schema_migrations') is not null")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        return 0;
      }
    }
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select coalesce(max(version), 0) from pgconductor.schema_migrations")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static List<Migration> loadMigrations() {
    List<Migration> result = new ArrayList<>();
    for (String line : read("index.txt").split("\n")) {
      String name = line.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      int version = Integer.parseInt(name.substring(1, name.indexOf("__")));
      if (!result.isEmpty() && result.getLast().version() >= version) {
        throw new IllegalStateException("migrations out of order at " + name);
      }
      result.add(new Migration(version, name, read(name)));
    }
    if (result.isEmpty()) {
      throw new IllegalStateException("no pgconductor migrations found on the class path");
    }
    return List.copyOf(result);
  }

  private static String read(String file) {
    try (InputStream in = Migrator.class.getResourceAsStream(BASE + file)) {
      if (in == null) {
        throw new IllegalStateException("missing migration resource " + BASE + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + file, e);
    }
  }
}
