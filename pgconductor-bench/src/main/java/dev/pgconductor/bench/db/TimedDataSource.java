package dev.pgconductor.bench.db;

import dev.pgconductor.bench.util.LatencyRecorder;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that times the execution of prepared statements whose SQL contains a given fragment
 * (e.g. {@code pgconductor.claim(}), so the harness sees the engine's own round trips without
 * changing the engine. Everything else passes through untouched.
 */
public final class TimedDataSource implements DataSource {
  private final DataSource delegate;
  private final Map<String, LatencyRecorder> recorders = new LinkedHashMap<>();

  /**
   * @param delegate the real pool
   * @param fragments SQL fragments to time, each with its own recorder
   */
  public TimedDataSource(DataSource delegate, String... fragments) {
    this.delegate = delegate;
    for (String f : fragments) {
      recorders.put(f, new LatencyRecorder());
    }
  }

  /** The recorder of statements containing {@code fragment}. */
  public LatencyRecorder recorder(String fragment) {
    LatencyRecorder r = recorders.get(fragment);
    if (r == null) {
      throw new IllegalArgumentException("not timed: " + fragment);
    }
    return r;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return wrap(delegate.getConnection(username, password));
  }

  private Connection wrap(Connection real) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new ConnectionHandler(real));
  }

  private final class ConnectionHandler implements InvocationHandler {
    private final Connection real;

    ConnectionHandler(Connection real) {
      this.real = real;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      Object result = call(real, method, args);
      if (method.getName().equals("prepareStatement")
          && args != null
          && args[0] instanceof String sql) {
        for (Map.Entry<String, LatencyRecorder> e : recorders.entrySet()) {
          if (sql.contains(e.getKey())) {
            PreparedStatement ps = (PreparedStatement) result;
            return Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class},
                new StatementHandler(ps, e.getValue()));
          }
        }
      }
      return result;
    }
  }

  private static final class StatementHandler implements InvocationHandler {
    private final PreparedStatement real;
    private final LatencyRecorder recorder;

    StatementHandler(PreparedStatement real, LatencyRecorder recorder) {
      this.real = real;
      this.recorder = recorder;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (!method.getName().startsWith("execute")) {
        return call(real, method, args);
      }
      long t0 = System.nanoTime();
      try {
        return call(real, method, args);
      } finally {
        recorder.record(System.nanoTime() - t0);
      }
    }
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || delegate.isWrapperFor(iface);
  }
}
