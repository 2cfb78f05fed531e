package dev.pgconductor.internal.db;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/** What kind of trouble a database error is, which decides whether trying again can help. */
public final class SqlErrors {
  private SqlErrors() {}

  /**
   * The database could not be reached or the connection was lost (refused, reset, closed, the
   * server starting up or shutting down, no connection slot free, no pooled connection in time):
   * the same call may succeed on a new connection. Looks through the causes.
   */
  public static boolean isConnectionProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof ConnectException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08")
            || state.equals("57P01") // admin shutdown (a backend terminated)
            || state.equals("57P02") // crash shutdown
            || state.equals("57P03") // cannot connect now (starting up)
            || state.equals("53300")) { // too many connections
          return true;
        }
      }
    }
    return false;
  }

  /**
   * SQLSTATE class 22 (data refused: bad text, bad JSON), class 54 (a limit exceeded: a value too
   * large to store or index), 23505 (a unique key raced, e.g. a dedupe key re-entering use) or
   * class 21 (a statement met one row twice, as two outcomes of one execution in a batch can):
   * retrying a batch as is cannot help, one by one can.
   */
  public static boolean isDataError(SQLException e) {
    String state = e.getSQLState();
    return state != null
        && (state.startsWith("22")
            || state.startsWith("54")
            || state.startsWith("21")
            || state.equals("23505"));
  }

  /**
   * SQLSTATE 40P01: Postgres broke a deadlock by ending this statement, which changed nothing, so
   * running it again is safe.
   */
  public static boolean isDeadlock(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql && "40P01".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }
}
