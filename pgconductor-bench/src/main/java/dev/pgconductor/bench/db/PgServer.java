package dev.pgconductor.bench.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Postgres server a benchmark runs on: one given by a JDBC URL (its user must be allowed to
 * create databases), or an embedded one started for the run. Every trial run gets a fresh database
 * of its own from {@link #createDatabase(String)}, dropped when the run ends.
 */
public final class PgServer implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final String adminUrl;
  private final EmbeddedPostgres embedded;

  private PgServer(String adminUrl, EmbeddedPostgres embedded) {
    this.adminUrl = adminUrl;
    this.embedded = embedded;
  }

  /**
   * The server behind a JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}.
   */
  public static PgServer external(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException(
          "--url must be a JDBC URL like jdbc:postgresql://host:5432/db?user=postgres, got "
              + JdbcUrl.mask(jdbcUrl));
    }
    return new PgServer(jdbcUrl, null);
  }

  /**
   * Starts an embedded Postgres. {@code durable} keeps {@code fsync} and {@code synchronous_commit}
   * on, as a production server has them; the smoke run turns them off.
   */
  public static PgServer embedded(boolean durable) {
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("fsync", durable ? "on" : "off")
              .setServerConfig("synchronous_commit", durable ? "on" : "off")
              .setServerConfig("full_page_writes", durable ? "on" : "off")
              .setServerConfig("shared_buffers", "256MB")
              .setServerConfig("max_wal_size", "2GB")
              .start();
      return new PgServer(pg.getJdbcUrl("postgres", "postgres"), pg);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start an embedded Postgres: " + e.getMessage(), e);
    }
  }

  public boolean isEmbedded() {
    return embedded != null;
  }

  /** Creates an empty database named after {@code label} (plus a unique suffix). */
  public BenchDatabase createDatabase(String label) {
    String name =
        ("bench_"
                + label.toLowerCase().replaceAll("[^a-z0-9]+", "_")
                + "_"
                + ProcessHandle.current().pid()
                + "_"
                + COUNTER.incrementAndGet())
            .replaceAll("_+", "_");
    if (name.length() > 60) {
      name = name.substring(name.length() - 60).replaceFirst("^_+", "b");
    }
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement()) {
      st.execute("drop database if exists " + name);
      st.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create database "
              + name
              + " (the user of --url must be allowed to): "
              + e.getMessage(),
          e);
    }
    return new BenchDatabase(this, JdbcUrl.withDatabase(adminUrl, name), name);
  }

  void drop(String name) {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement()) {
      st.execute(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + name + "'");
      st.execute("drop database if exists " + name);
    } catch (SQLException e) {
      System.err.println("warning: could not drop database " + name + ": " + e.getMessage());
    }
  }

  /** Version and the settings that shape the numbers, for the report. */
  public Map<String, String> describe() {
    Map<String, String> info = new LinkedHashMap<>();
    info.put("server", isEmbedded() ? "embedded" : JdbcUrl.mask(adminUrl));
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select current_setting('server_version'), current_setting('fsync'),"
                    + " current_setting('synchronous_commit'), current_setting('shared_buffers'),"
                    + " current_setting('max_connections')")) {
      rs.next();
      info.put("version", rs.getString(1));
      info.put("fsync", rs.getString(2));
      info.put("synchronous_commit", rs.getString(3));
      info.put("shared_buffers", rs.getString(4));
      info.put("max_connections", rs.getString(5));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot connect to " + JdbcUrl.mask(adminUrl) + ": " + e.getMessage(), e);
    }
    return info;
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        System.err.println("warning: embedded Postgres did not stop cleanly: " + e.getMessage());
      }
    }
  }
}
