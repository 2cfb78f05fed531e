package dev.pgconductor.testing;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that fails on purpose, for tests of what the engine does when the database is out
 * of reach: it refuses connections, loses the answer to a commit that succeeded, or holds a caller
 * until the test lets it go. Each fault applies to callers on threads whose name matches, so a test
 * can freeze one part of an orchestrator (its heartbeat, its step writer) and not the rest.
 */
public final class FaultyDataSource implements DataSource {
  private final DataSource target;
  private volatile Predicate<String> refuse = name -> false;
  private final AtomicInteger refused = new AtomicInteger();
  private volatile Predicate<String> loseCommitAnswers = name -> false;
  private final AtomicInteger commitAnswersToLose = new AtomicInteger();
  private volatile Predicate<String> loseStatementAnswers = sql -> false;
  private final AtomicInteger statementAnswersToLose = new AtomicInteger();
  private volatile Predicate<String> hold = name -> false;
  private volatile CountDownLatch holdUntil = new CountDownLatch(0);
  private volatile Predicate<String> holdAnswer = NONE;
  private volatile CountDownLatch holdAnswerUntil = new CountDownLatch(0);
  private volatile CountDownLatch answerHeld = new CountDownLatch(0);

  public FaultyDataSource(DataSource target) {
    this.target = target;
  }

  /** Refuses connections (SQLSTATE 08001) to threads whose name matches, until changed. */
  public void refuseConnections(Predicate<String> threadName) {
    this.refuse = threadName;
  }

  /** Refuses connections to every thread until {@link #heal()}: the database is down. */
  public void refuseAll() {
    refuseConnections(name -> true);
  }

  /** Ends every fault. */
  public void heal() {
    refuse = name -> false;
    loseCommitAnswers = name -> false;
    loseStatementAnswers = sql -> false;
    hold = name -> false;
    holdUntil.countDown();
    holdAnswer = NONE;
    holdAnswerUntil.countDown();
  }

  /** How many connections were refused so far. */
  public int refusedCount() {
    return refused.get();
  }

  /**
   * The next {@code count} commits by threads whose name matches succeed in the database, and then
   * the caller gets a connection error (SQLSTATE 08006) instead of the answer: an ambiguous commit.
   */
  public void loseCommitAnswers(Predicate<String> threadName, int count) {
    commitAnswersToLose.set(count);
    loseCommitAnswers = threadName;
  }

  /**
   * The next {@code count} runs of prepared statements whose SQL matches, in autocommit mode, take
   * effect in the database, and then the caller gets a connection error (SQLSTATE 08006) instead of
   * the answer: a statement's ambiguous commit.
   */
  public void loseStatementAnswers(Predicate<String> sql, int count) {
    statementAnswersToLose.set(count);
    loseStatementAnswers = sql;
  }

  /** How many statement answers are still to be lost. */
  public int statementAnswersLeftToLose() {
    return statementAnswersToLose.get();
  }

  /** How many commit answers are still to be lost. */
  public int commitAnswersLeftToLose() {
    return commitAnswersToLose.get();
  }

  /**
   * Threads whose name matches wait in {@code getConnection} until the returned latch is counted
   * down (or {@link #heal()}): a frozen part of a process.
   */
  public CountDownLatch holdConnections(Predicate<String> threadName) {
    CountDownLatch latch = new CountDownLatch(1);
    holdUntil = latch;
    hold = threadName;
    return latch;
  }

  /**
   * The next run of a prepared statement whose SQL matches takes effect in the database, and then
   * its answer is held until the returned latch is counted down (or {@link #heal()}): an answer
   * held up on the network. Only that one run is held; {@link #answerHeld()} tells when it is.
   */
  public CountDownLatch holdNextAnswer(Predicate<String> sql) {
    CountDownLatch latch = new CountDownLatch(1);
    answerHeld = new CountDownLatch(1);
    holdAnswerUntil = latch;
    holdAnswer = sql;
    return latch;
  }

  /** Counted down once the run chosen by {@link #holdNextAnswer} ran and its answer is held. */
  public CountDownLatch answerHeld() {
    return answerHeld;
  }

  @Override
  public Connection getConnection() throws SQLException {
    String thread = Thread.currentThread().getName();
    if (hold.test(thread)) {
      try {
        holdUntil.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while held by the test", "08001", e);
      }
    }
    if (refuse.test(thread)) {
      refused.incrementAndGet();
      throw new SQLException("Connection refused (a fault made by the test)", "08001");
    }
    return wrap(target.getConnection());
  }

  private Connection wrap(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              try {
                Object result = method.invoke(connection, args);
                if (method.getName().equals("prepareStatement")
                    && result instanceof java.sql.PreparedStatement statement
                    && loseStatementAnswers.test((String) args[0])) {
                  return losingAnswers(connection, statement);
                }
                if (method.getName().equals("prepareStatement")
                    && result instanceof java.sql.PreparedStatement statement
                    && holdAnswer.test((String) args[0])) {
                  return holdingAnswer(statement);
                }
                if (method.getName().equals("commit")
                    && loseCommitAnswers.test(Thread.currentThread().getName())
                    && commitAnswersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                  throw new SQLException(
                      "An I/O error occurred after the commit (a fault made by the test)", "08006");
                }
                return result;
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** A statement whose next run, if it is the one chosen, holds its answer after taking effect. */
  private java.sql.PreparedStatement holdingAnswer(java.sql.PreparedStatement statement) {
    return (java.sql.PreparedStatement)
        Proxy.newProxyInstance(
            java.sql.PreparedStatement.class.getClassLoader(),
            new Class<?>[] {java.sql.PreparedStatement.class},
            (proxy, method, args) -> {
              try {
                Object result = method.invoke(statement, args);
                if (method.getName().startsWith("execute")) {
                  CountDownLatch until = holdAnswerUntil;
                  synchronized (this) {
                    if (holdAnswer == NONE) {
                      return result; // another run was the one held
                    }
                    holdAnswer = NONE;
                  }
                  answerHeld.countDown();
                  until.await();
                }
                return result;
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static final Predicate<String> NONE = sql -> false;

  /** A statement whose runs in autocommit mode may lose their answer after taking effect. */
  private java.sql.PreparedStatement losingAnswers(
      Connection connection, java.sql.PreparedStatement statement) {
    return (java.sql.PreparedStatement)
        Proxy.newProxyInstance(
            java.sql.PreparedStatement.class.getClassLoader(),
            new Class<?>[] {java.sql.PreparedStatement.class},
            (proxy, method, args) -> {
              try {
                Object result = method.invoke(statement, args);
                if (method.getName().startsWith("execute")
                    && connection.getAutoCommit()
                    && statementAnswersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                  throw new SQLException(
                      "An I/O error occurred after the statement ran (a fault made by the test)",
                      "08006");
                }
                return result;
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("use getConnection()");
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
