package dev.pgconductor.micrometer;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A data source that counts the connections it hands out, and refuses them once cut. */
final class CountingDataSource implements DataSource {
  private final DataSource target; // null: connections from DriverManager on url
  private final String url;
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean cut;

  CountingDataSource(DataSource target) {
    this.target = target;
    this.url = null;
  }

  /** Connections straight from the driver, on a JDBC URL. */
  CountingDataSource(String url) {
    this.target = null;
    this.url = url;
  }

  /** How many connections were asked for so far. */
  int connections() {
    return connections.get();
  }

  /** Refuses every connection from now on: the database is out of reach. */
  void cut() {
    cut = true;
  }

  @Override
  public Connection getConnection() throws SQLException {
    connections.incrementAndGet();
    if (cut) {
      throw new SQLNonTransientConnectionException("cut by the test", "08001");
    }
    return target != null ? target.getConnection() : DriverManager.getConnection(url);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLException("not used");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() {
    return Logger.getLogger("dev.pgconductor.micrometer");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
