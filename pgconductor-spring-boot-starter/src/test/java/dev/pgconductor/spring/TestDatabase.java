package dev.pgconductor.spring;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fresh databases for the starter's tests: on the server named by {@code PGCONDUCTOR_TEST_URL} (a
 * JDBC URL whose user may create databases), else on an embedded Postgres started once per JVM. One
 * database per test class ({@link #forClass}); as an extension, declared before {@code
 * SpringExtension}, it drops that database after the class, once Spring has closed the context.
 */
public final class TestDatabase implements AfterAllCallback {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Map<Class<?>, String> BY_CLASS = new ConcurrentHashMap<>();
  private static String adminUrl;

  /** The JDBC URL of the test class's own database, created on first use. */
  public static String forClass(Class<?> testClass) {
    return BY_CLASS.computeIfAbsent(testClass, c -> create());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    String url = BY_CLASS.remove(context.getRequiredTestClass());
    if (url != null) {
      drop(url);
    }
  }

  /** Creates an empty database and returns its JDBC URL. */
  public static String create() {
    String name = "pgc_spring_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(adminUrl());
        Statement st = c.createStatement()) {
      st.execute("drop database if exists " + name);
      st.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    return withDatabase(adminUrl(), name);
  }

  /** Drops a database made by {@link #create()}, disconnecting whoever is still on it. */
  public static void drop(String url) {
    String name = url.substring(url.lastIndexOf('/') + 1).split("\\?")[0];
    try (Connection c = DriverManager.getConnection(adminUrl());
        Statement st = c.createStatement()) {
      st.execute("drop database if exists " + name + " with (force)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop database " + name, e);
    }
  }

  private static synchronized String adminUrl() {
    if (adminUrl == null) {
      String given = System.getenv("PGCONDUCTOR_TEST_URL");
      // an unset variable may arrive as the literal Maven expression
      adminUrl = given == null || given.isBlank() || given.startsWith("${") ? embedded() : given;
    }
    return adminUrl;
  }

  private static String embedded() {
    try {
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres)));
      return postgres.getJdbcUrl("postgres", "postgres");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start an embedded Postgres", e);
    }
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException e) {
      // the JVM is exiting
    }
  }

  private static String withDatabase(String url, String database) {
    int hostStart = url.indexOf("//") + 2;
    int slash = url.indexOf('/', hostStart);
    int query = url.indexOf('?', hostStart);
    int hostEnd = slash >= 0 ? slash : (query >= 0 ? query : url.length());
    return url.substring(0, hostEnd) + "/" + database + (query >= 0 ? url.substring(query) : "");
  }
}
