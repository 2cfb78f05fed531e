package dev.pgconductor.bench.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * A fresh database for one run of one trial; {@link #close()} drops it. Gives the harness a few
 * plain helpers: a connection pool configured like the systems under test get it, and one-off
 * statements and counts.
 */
public final class BenchDatabase implements AutoCloseable {
  private final PgServer server;
  private final String url;
  private final String name;

  BenchDatabase(PgServer server, String url, String name) {
    this.server = server;
    this.url = url;
    this.name = name;
  }

  /** JDBC URL of this database. */
  public String url() {
    return url;
  }

  public String name() {
    return name;
  }

  /** host, port, dbname, user, password of this database. */
  public Map<String, String> parts() {
    return JdbcUrl.parts(url);
  }

  /**
   * A HikariCP pool of {@code size} connections with the settings pgconductor's own pool uses
   * (batched inserts rewritten); the peers in this JVM get the same.
   */
  public HikariDataSource pool(String poolName, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName(poolName);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    return new HikariDataSource(config);
  }

  /** Runs statements on a connection of its own. */
  public void execute(String... sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }

  /** The first column of the first row of a query, as a long. */
  public long queryLong(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url)) {
      return queryLong(c, sql);
    }
  }

  /** The first column of the first row of a query, on a given connection. */
  public static long queryLong(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Another fresh, empty database on the same server (e.g. for a warm-up that must not leave its
   * rows in this one); its {@link #close()} drops it.
   */
  public BenchDatabase sibling(String label) {
    return server.createDatabase(label);
  }

  /** Opens a plain connection (not pooled). */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }

  @Override
  public void close() {
    server.drop(name);
  }
}
