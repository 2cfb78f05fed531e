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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs and upgrades the {@code pgconductor} schema: numbered SQL files listed in {@code
 * migrations/index.txt}, each applied in its own transaction and recorded in {@code
 * pgconductor.schema_migrations}, all under a session advisory lock so concurrent callers wait for
 * the one that applies them.
 */
public final class Migrator {
  private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);
  private static final String BASE = "/dev/pgconductor/migrations/";
  // pg_advisory_lock key: "pgconductor.migrate" hashed once, fixed forever
  private static final long LOCK_KEY = 0x7067636f6e647563L;

  private final DataSource dataSource;
  private final Runnable reachability;
  private final List<Migration> migrations;

  /**
   * @param reachability checked before the schema is: throws when the database cannot be reached,
   *     so that an install fails at once rather than after a pool's connection timeout
   */
  public Migrator(DataSource dataSource, Runnable reachability) {
    this.dataSource = dataSource;
    this.reachability = reachability;
    this.migrations = loadMigrations();
  }

  /** A migration file. */
  public record Migration(int version, String name, String sql) {}

  /** The newest schema version this library knows. */
  public int latestVersion() {
    return migrations.getLast().version();
  }

  /** Applies every missing migration; a no-op when the schema is current. */
  public void ensureInstalled() {
    reachability.run();
    try (Connection connection = dataSource.getConnection()) {
      int installed = installedVersion(connection);
      if (installed > 0) {
        requireBaseline(connection);
      }
      if (installed >= latestVersion()) {
        return;
      }
      try (Statement st = connection.createStatement()) {
        st.execute("select pg_advisory_lock(" + LOCK_KEY + ")");
      }
      try {
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
    int known = latestVersion();
    applied.stream()
        .filter(v -> v > known)
        .findAny()
        .ifPresent(
            v ->
                LOG.warn(
                    "The database has pgconductor schema version {}, newer than this library's {}",
                    v,
                    known));
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
