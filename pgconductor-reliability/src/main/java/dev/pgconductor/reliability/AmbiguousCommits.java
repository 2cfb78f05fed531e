package dev.pgconductor.reliability;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A DataSource whose connections, on a share of their commits (explicit ones, and statements run in
 * autocommit mode), throw after the commit succeeded: the client sees an error although the
 * transaction is durable, as when the connection breaks between COMMIT and its answer. The engine
 * must not write a step, a child or a sleep twice when it retries such a write.
 */
public final class AmbiguousCommits implements DataSource {
  private final DataSource target;
  private final long period;
  private final long offset;
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong injected = new AtomicLong();

  /**
   * Wraps {@code target}; {@code rate} is the share of commits that throw after committing. Every
   * {@code 1 / rate}-th commit does, from a random first one, so a run of a few hundred commits is
   * sure to meet some, including (now and then) those of the worker's start.
   */
  public AmbiguousCommits(DataSource target, double rate) {
    if (rate <= 0 || rate > 1) {
      throw new IllegalArgumentException("rate must be in (0, 1], got " + rate);
    }
    this.target = target;
    this.period = Math.round(1 / rate);
    this.offset = ThreadLocalRandom.current().nextLong(period);
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
          Object result = call(connection, method, args);
          if (result instanceof Statement statement) {
            return wrapStatement(connection, statement, method.getReturnType());
          }
          if (isCommit(method)) {
            maybeLoseTheAnswer();
          }
          return result;
        };
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  /**
   * The engine writes mostly with single statements in autocommit mode, where the statement's
   * success is its commit: those lose their answer too.
   */
  private Object wrapStatement(Connection connection, Statement statement, Class<?> type) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          Object result = call(statement, method, args);
          if (method.getName().startsWith("execute") && connection.getAutoCommit()) {
            maybeLoseTheAnswer();
          }
          return result;
        };
    return Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {type}, handler);
  }

  private void maybeLoseTheAnswer() throws SQLException {
    if ((commits.incrementAndGet() + offset) % period == 0) {
      injected.incrementAndGet();
      System.out.println("AMBIGUOUS-COMMIT"); // the driver counts these lines
      throw new SQLException("injected: the commit succeeded but its answer was lost", "08006");
    }
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
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
