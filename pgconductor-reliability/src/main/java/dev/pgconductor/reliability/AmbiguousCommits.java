package dev.pgconductor.reliability;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A DataSource whose connections, on a share of their commits, throw after the commit succeeded:
 * the client sees an error although the transaction is durable, as when the connection breaks
 * between COMMIT and its answer. The engine must not write a step, a child or a sleep twice when it
 * retries such a write.
 */
public final class AmbiguousCommits implements DataSource {
  private final DataSource target;
  private final double rate;
  private final AtomicLong injected = new AtomicLong();

  /** Wraps {@code target}; {@code rate} is the share of commits that throw after committing. */
  public AmbiguousCommits(DataSource target, double rate) {
    this.target = target;
    this.rate = rate;
  }

  /** How many commits threw after succeeding. */
  public long injected() {
    return injected.get();
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(target.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return wrap(target.getConnection(user, password));
  }

  private Connection wrap(Connection connection) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(connection, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (isCommit(method) && ThreadLocalRandom.current().nextDouble() < rate) {
            injected.incrementAndGet();
            System.out.println("AMBIGUOUS-COMMIT"); // the driver counts these lines
            throw new SQLException(
                "injected: the commit succeeded but its answer was lost", "08006");
          }
          return result;
        };
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private static boolean isCommit(Method method) {
    return method.getName().equals("commit") && method.getParameterCount() == 0;
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
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return target.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return target.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || target.isWrapperFor(iface);
  }
}
