package dev.pgconductor.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Postgres server tests run against: the one named by the environment variable {@code
 * PGCONDUCTOR_TEST_URL} (a JDBC URL of a database whose user may create databases), or else an
 * embedded Postgres started once per JVM (from the {@code io.zonky.test} artifacts, so a machine
 * with only a JDK runs the tests). Each test gets a database of its own from {@link
 * #createDatabase()}; {@link PgConductorExtension} does that for you.
 */
public final class TestPostgres {
  private static final Logger LOG = LoggerFactory.getLogger(TestPostgres.class);
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static volatile String adminUrl;

  private TestPostgres() {}

  /** A JDBC URL of the server's admin database. */
  public static synchronized String adminUrl() {
    if (adminUrl == null) {
      String given = System.getenv("PGCONDUCTOR_TEST_URL");
      // an unset variable may arrive as the literal Maven expression
      if (given != null && !given.isBlank() && !given.startsWith("${")) {
        adminUrl = given.strip();
        LOG.info("Tests use the Postgres at {}", adminUrl);
      } else {
        adminUrl = startEmbedded();
      }
    }
    return adminUrl;
  }

  /** Creates a fresh, empty database and returns its JDBC URL. */
  public static String createDatabase() {
    String name = "pgc_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(adminUrl());
        Statement st = c.createStatement()) {
      st.execute("drop database if exists " + name);
      st.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return withDatabase(adminUrl(), name);
  }

  /** Drops a database made by {@link #createDatabase()}, disconnecting whoever is still on it. */
  public static void dropDatabase(String url) {
    String name = databaseOf(url);
    try (Connection c = DriverManager.getConnection(adminUrl());
        Statement st = c.createStatement()) {
      st.execute(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + name + "'");
      st.execute("drop database if exists " + name);
    } catch (SQLException e) {
      LOG.warn("could not drop test database {}: {}", name, e.getMessage());
    }
  }

  /** A small pool on a test database. */
  public static HikariDataSource pool(String url, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(size);
    config.setPoolName("test-" + databaseOf(url));
    return new HikariDataSource(config);
  }

  static String withDatabase(String url, String database) {
    int schemeEnd = url.indexOf("//") + 2;
    int slash = url.indexOf('/', schemeEnd);
    int query = url.indexOf('?', schemeEnd);
    String hostPart = url.substring(0, slash < 0 ? (query < 0 ? url.length() : query) : slash);
    String rest = query < 0 ? "" : url.substring(query);
    return hostPart + "/" + database + rest;
  }

  static String databaseOf(String url) {
    int schemeEnd = url.indexOf("//") + 2;
    int slash = url.indexOf('/', schemeEnd);
    int query = url.indexOf('?', schemeEnd);
    return url.substring(slash + 1, query < 0 ? url.length() : query);
  }

  private static String startEmbedded() {
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("fsync", "off")
              .start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException ignored) {
                      // the JVM is exiting
                    }
                  }));
      String url = pg.getJdbcUrl("postgres", "postgres");
      LOG.info("Tests use an embedded Postgres at {}", url);
      return url;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded Postgres", e);
    }
  }
}
