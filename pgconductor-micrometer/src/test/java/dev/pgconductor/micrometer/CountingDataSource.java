package dev.pgconductor.micrometer;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A data source that counts the connections it hands out, and refuses them once cut. */
final class CountingDataSource implements DataSource {
  private final DataSource target;
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean cut;

  CountingDataSource(DataSource target) {
    this.target = target;
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
    return target.getConnection();
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLException("not used");
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return target.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    target.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    target.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return target.getLoginTimeout();
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
